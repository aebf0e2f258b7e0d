// The command line never surprises: every refusal is one line on stderr
// naming the option or file and what is allowed, with a documented exit
// code (64 for usage errors), and the values hactl refuses are refused by
// the node too.

#include <filesystem>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

constexpr int exit_usage = 64;

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto i = text.find(part); i != std::string::npos;
       i = text.find(part, i + 1))
    ++n;
  return n;
}

/// hactl on the embedded NONE services: no node needed to check the
/// command line.
outcome hactl_none(std::vector<std::string> args) {
  args.insert(args.begin(),
              {binary("hactl"), "--config", source_file("config/none.yaml")});
  return run_to_end(args);
}

/// Checks one usage refusal: exit 64, one line naming `option`, none of
/// CLI11's own second line.
void check_usage(const outcome& out, const std::string& option,
                 const std::string& allowed) {
  INFO("stderr: " << out.stderr_text);
  CHECK(out.exit_code == exit_usage);
  CHECK(line_count(out.stderr_text) == 1);
  CHECK_THAT(out.stderr_text, Catch::StartsWith("hactl: ")
                                && Catch::Contains(option)
                                && Catch::Contains(allowed));
  CHECK_THAT(out.stderr_text, !Catch::Contains("Run with --help"));
}

/// The stdout of `argv` run to its end (at most 400 lines, 20 s).
std::vector<std::string> output_lines(std::vector<std::string> argv) {
  child_process proc{argv};
  std::vector<std::string> lines;
  for (int i = 0; i < 400; ++i) {
    auto line = proc.read_line(20s);
    if (!line)
      break;
    lines.push_back(*line);
  }
  CHECK(proc.wait(20s) == 0);
  return lines;
}

/// The sub-command names a `--help` text lists under "Subcommands:".
std::vector<std::string> subcommands(const std::vector<std::string>& help) {
  std::vector<std::string> result;
  auto i = std::find(help.begin(), help.end(), "Subcommands:");
  if (i == help.end())
    return result;
  for (++i; i != help.end() && i->rfind("  ", 0) == 0; ++i) {
    auto name = i->substr(2, i->find(' ', 2) - 2);
    if (!name.empty())
      result.push_back(name);
  }
  return result;
}

} // namespace

TEST_CASE("hactl refuses numbers out of range with one line naming the "
          "option and the range") {
  const std::string job = job_hex(1);
  temp_dir dir;
  auto meta = dir.write("meta", "m");
  const std::string id_range = "from 0 to 9223372036854775807";
  struct bad_case {
    std::vector<std::string> args;
    std::string option;
    std::string allowed;
  };
  std::vector<bad_case> cases = {
    {{"checkpoints", "add", job, "--id", "1", "--file", meta, "--retain", "0"},
     "--retain",
     "expected an integer from 1 to 4294967295, got '0'"},
    {{"checkpoints", "add", job, "--id", "-5", "--file", meta},
     "--id",
     id_range + ", got '-5'"},
    {{"checkpoints", "add", job, "--id", "9223372036854775808", "--file",
      meta},
     "--id",
     id_range},
    {{"counter", "set", job, "--", "-1"}, "value", id_range + ", got '-1'"},
    {{"counter", "set", job, "18446744073709551616"}, "value", id_range},
    {{"counter", "set", job, "99999999999999999999999"}, "value", id_range},
    {{"counter", "set", job, "1e3"}, "value", id_range},
    {{"leader", "watch", "rest", "--count", "0"},
     "--count",
     "from 1 to 2147483647"},
    {{"jobs", "watch", "--timeout-ms", "soon"},
     "--timeout-ms",
     "from 1 to 2147483647, got 'soon'"},
  };
  for (auto& c : cases) {
    INFO(c.option << " " << c.args.back());
    check_usage(hactl_none(c.args), c.option, c.allowed);
  }
}

TEST_CASE("hactl command line errors are one line with exit 64 and say "
          "where the help is") {
  check_usage(hactl_none({"jobs"}), "hactl: jobs: a sub-command is required",
              "one of: put get list remove watch (see hactl jobs --help)");
  check_usage(hactl_none({"jobs", "put", "f"}), "--job-id",
              "hactl jobs put --help");
  check_usage(hactl_none({"counter", "next", job_hex(1), "--bogus"}),
              "--bogus", "--help");
  check_usage(run_to_end({binary("hactl"), "leader", "get", "rest"}),
              "--connect", "--config");
  check_usage(run_to_end({binary("hactl"), "--connect", "127.0.0.1:0",
                          "leader", "get", "rest"}),
              "--connect", "HOST:PORT");
  check_usage(hactl_none({"registry", "status", "nope"}), "nope",
              "32 hex digits");
  check_usage(hactl_none({"registry", "set-running", job_hex(1), "--fence",
                          "rest:-1"}),
              "--fence", "decimal digits");
  check_usage(hactl_none({"cleanup-all"}), "cleanup-all", "--yes");
}

TEST_CASE("hactl contend and leader watch refuse a bad component or an "
          "empty, overlong or garbling address at once") {
  running_node node;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {binary("hactl"), "--connect", node.endpoint});
    return run_to_end(args, 20s);
  };
  check_usage(run({"contend", "", "--address", "a:1"}), "''",
              "unknown component");
  check_usage(run({"leader", "watch", "../.."}), "'../..'",
              "unknown component");
  check_usage(run({"contend", "dispatcher", "--address", ""}), "--address",
              "must not be empty");
  check_usage(run({"contend", "dispatcher", "--address", "a:1\nb:2"}),
              "--address", "control characters");
  check_usage(run({"contend", "dispatcher", "--address",
                   std::string(2000, 'a')}),
              "--address", "at most 1024 bytes");
}

TEST_CASE("hactl refuses an unreadable or too large file with one line "
          "naming it, before sending anything") {
  running_node node;
  temp_dir dir;
  auto put = [&](const std::string& file) {
    return run_to_end({binary("hactl"), "--connect", node.endpoint, "jobs",
                       "put", file, "--job-id", job_hex(1), "--name", "n"});
  };
  SECTION("a directory") {
    auto out = put(dir.str());
    CHECK(out.exit_code == 1);
    CHECK(line_count(out.stderr_text) == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("'" + dir.str() + "'")
                                  && Catch::Contains("Is a directory"));
  }
  SECTION("a missing file") {
    auto missing = (dir.path() / "missing").string();
    auto out = put(missing);
    CHECK(out.exit_code == 1);
    CHECK(line_count(out.stderr_text) == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("'" + missing + "'")
                                  && Catch::Contains("No such file"));
  }
  SECTION("a 300 MB file: refused by its size, never read") {
    auto big = (dir.path() / "big").string();
    std::ofstream{big}.close();
    // Sparse: no disk space, and hactl must not read it anyway.
    std::filesystem::resize_file(big, 300u * 1024 * 1024);
    auto out = put(big);
    CHECK(out.exit_code == 1);
    CHECK(line_count(out.stderr_text) == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("'" + big + "'")
                                  && Catch::Contains("314572800 bytes")
                                  && Catch::Contains("8388607 bytes"));
    // Nothing was sent: the node still lists no graph.
    CHECK(hactl_lines(node.endpoint, {"jobs", "list"}).empty());
  }
}

TEST_CASE("hactl jobs list shows each graph's id, name and size") {
  running_node node;
  temp_dir dir;
  auto graph = dir.write("graph", "0123456789");
  hactl_lines(node.endpoint, {"jobs", "put", graph, "--job-id", job_hex(1),
                              "--name", "wordcount"});
  auto lines = hactl_lines(node.endpoint, {"jobs", "list"});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["job_id"] == job_hex(1));
  CHECK(lines[0]["name"] == "wordcount");
  CHECK(lines[0]["size"] == 10);
}

TEST_CASE("hactl jobs list shows every graph when they span several pages") {
  running_node node;
  temp_dir dir;
  // 3 MiB each: two would pass a page's 4 MiB, so each comes on its own.
  auto graph = dir.write("graph", std::string(3 << 20, 'x'));
  for (int n : {3, 1, 2})
    hactl_lines(node.endpoint, {"jobs", "put", graph, "--job-id", job_hex(n)});
  auto lines = hactl_lines(node.endpoint, {"jobs", "list"});
  REQUIRE(lines.size() == 3);
  for (int n = 1; n <= 3; ++n) {
    CHECK(lines[n - 1]["job_id"] == job_hex(n));
    CHECK(lines[n - 1]["size"] == 3 << 20);
  }
}

TEST_CASE("a counter at 2^63-1 refuses counter next instead of wrapping") {
  running_node node;
  auto job = job_hex(3);
  hactl_lines(node.endpoint, {"counter", "set", job, "9223372036854775806"});
  auto handed = hactl_lines(node.endpoint, {"counter", "next", job});
  REQUIRE(handed.size() == 1);
  CHECK(handed[0]["value"] == 9223372036854775806u);
  for (int i = 0; i < 2; ++i) {
    auto out = run_to_end({binary("hactl"), "--connect", node.endpoint,
                           "counter", "next", job});
    INFO("stderr: " << out.stderr_text);
    CHECK(out.exit_code == 1);
    CHECK(line_count(out.stderr_text) == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("9223372036854775807")
                                  && Catch::Contains(job));
  }
}

TEST_CASE("every hactl sub-command's --help shows an example") {
  std::vector<std::vector<std::string>> pending = {{}};
  std::set<std::string> seen;
  // Bounded: hactl has a few dozen commands.
  for (size_t i = 0; i < pending.size() && i < 100; ++i) {
    auto argv = pending[i];
    argv.insert(argv.begin(), binary("hactl"));
    argv.push_back("--help");
    auto help = output_lines(argv);
    if (!pending[i].empty()) {
      std::string all;
      for (auto& line : help)
        all += line + "\n";
      INFO("hactl " << pending[i].back() << " --help:\n" << all);
      CHECK_THAT(all, Catch::Contains("Example:\n  hactl "));
      seen.insert(pending[i].back());
    }
    for (auto& name : subcommands(help)) {
      auto path = pending[i];
      path.push_back(name);
      pending.push_back(path);
    }
  }
  // The walk found the commands, not just the top level.
  CHECK(seen.count("put") == 1);
  CHECK(seen.count("watch") == 1);
  CHECK(seen.count("replay") == 1);
  CHECK(seen.size() >= 20);
}

TEST_CASE("ha-node refuses a heartbeat timeout not above the interval, "
          "naming both keys") {
  auto out = run_to_end({binary("ha-node"), "-D", "ha.node.port=0", "-D",
                         "high-availability=embedded", "-D",
                         "ha.heartbeat.interval=1000", "-D",
                         "ha.heartbeat.timeout=500"});
  CHECK(out.exit_code == 1);
  CHECK(line_count(out.stderr_text) == 1);
  CHECK_THAT(out.stderr_text,
             Catch::Contains("ha.heartbeat.timeout (500 ms) must be larger "
                             "than ha.heartbeat.interval (1000 ms)"));
}

TEST_CASE("ha-node on a port in use names the address and the cause") {
  running_node first;
  auto out = run_to_end({binary("ha-node"), "-D", "high-availability=embedded",
                         "-D", "ha.node.host=127.0.0.1", "-D",
                         "ha.node.port=" + first.port()});
  CHECK(out.exit_code == 1);
  // The services start (and log so) before the port is tried: the refusal
  // is the one line that is not a log record.
  CHECK(line_count(out.stderr_text)
        == 1 + count_of(out.stderr_text, "] [node] ["));
  CHECK_THAT(out.stderr_text,
             Catch::Contains("cannot listen on 127.0.0.1:" + first.port()
                             + ": address already in use"));
}

TEST_CASE("ha-node command line errors are one line with exit 64") {
  auto out = run_to_end({binary("ha-node"), "--bogus"});
  CHECK(out.exit_code == exit_usage);
  CHECK(line_count(out.stderr_text) == 1);
  CHECK_THAT(out.stderr_text, Catch::StartsWith("ha-node: ")
                                && Catch::Contains("--bogus"));
}
