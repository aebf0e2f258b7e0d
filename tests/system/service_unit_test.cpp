// The production setup of the README, through the files an administrator
// installs: systemd accepts config/ha-node.service and rates its hardening;
// the unit's ExecStart= line, run as written with the built ha-node and
// with /etc/caf-ha and /var/lib/caf-ha laid out under a temporary
// directory, starts ha-node on config/ha-node.production.yaml, which serves
// over mutual TLS, writes under the unit's state directory and ends with
// exit code 0 on the unit's KillSignal= within its TimeoutStopSec=. And the
// README's backup: `sqlite3 DB ".backup COPY"` of a running node, restored
// with the blob files into a stopped node's storage, brings back what was
// written before the backup, and the restored node grants newer epochs.
// Without systemd-analyze or sqlite3 the case concerned prints SKIPPED.

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/tls_certs.hpp"

using namespace ha::test;

namespace {

namespace fs = std::filesystem;

/// Generous for an AddressSanitizer build on a busy machine.
constexpr auto start_timeout = 30s;

std::string read_text(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  INFO("reading " << path);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  INFO("writing " << path);
  REQUIRE(out);
}

std::string replace_all(std::string text, const std::string& from,
                        const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

/// `name` in one of the directories of $PATH, as execv needs it.
std::optional<std::string> find_program(const std::string& name) {
  std::stringstream dirs{getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = fs::path{dir} / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return std::nullopt;
}

/// Prints the skip line of a case whose tool is missing; true if skipping.
bool skip_without(const std::optional<std::string>& program,
                  const std::string& name) {
  if (program)
    return false;
  std::cout << "SKIPPED: " << name << " is not installed" << std::endl;
  WARN("SKIPPED: " << name << " is not installed");
  return true;
}

/// The settings of config/ha-node.service: `key=value` lines of every
/// section, comments skipped, continued lines joined.
class unit_file {
public:
  unit_file() : text_(read_text(source_file("config/ha-node.service"))) {
    std::stringstream in{text_};
    std::string line;
    std::string joined;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\\') {
        joined += line.substr(0, line.size() - 1) + " ";
        continue;
      }
      joined += line;
      auto eq = joined.find('=');
      if (!joined.empty() && joined[0] != '#' && joined[0] != ';'
          && joined[0] != '[' && eq != std::string::npos)
        settings_.emplace_back(joined.substr(0, eq), joined.substr(eq + 1));
      joined.clear();
    }
  }

  /// The last value of `key` (systemd's rule for single-valued settings).
  std::string get(const std::string& key) const {
    std::optional<std::string> result;
    for (auto& [k, v] : settings_)
      if (k == key)
        result = v;
    INFO("config/ha-node.service has no " << key << "=");
    REQUIRE(result);
    return *result;
  }

  /// ExecStart= split into words. The unit must not need systemd's quoting
  /// or its %-specifiers and $-expansion, which this test does not apply.
  std::vector<std::string> exec_start() const {
    auto line = get("ExecStart");
    INFO("ExecStart=" << line);
    REQUIRE(line.find_first_of("\"'\\%$") == std::string::npos);
    std::stringstream words{line};
    std::vector<std::string> result;
    for (std::string word; words >> word;)
      result.push_back(word);
    REQUIRE(!result.empty());
    REQUIRE(result[0].front() == '/');
    REQUIRE(fs::path{result[0]}.filename() == "ha-node");
    return result;
  }

  /// The file with ExecStart='s program replaced by `program`.
  std::string with_program(const std::string& program) const {
    return replace_all(text_, "ExecStart=" + exec_start()[0],
                       "ExecStart=" + program);
  }

  /// TimeoutStopSec= in whole seconds ("30" or "30s").
  std::chrono::seconds stop_timeout() const {
    std::smatch m;
    auto value = get("TimeoutStopSec");
    INFO("TimeoutStopSec=" << value);
    REQUIRE(std::regex_match(value, m, std::regex{R"((\d+)s?)"}));
    return std::chrono::seconds{std::stoi(m[1].str())};
  }

  /// KillSignal= as a number (the signals ha-node ends on cleanly).
  int kill_signal() const {
    auto name = get("KillSignal");
    INFO("KillSignal=" << name);
    REQUIRE((name == "SIGTERM" || name == "SIGINT"));
    return name == "SIGTERM" ? SIGTERM : SIGINT;
  }

private:
  std::string text_;
  std::vector<std::pair<std::string, std::string>> settings_;
};

/// Runs `argv` to its end and returns its exit code and everything it
/// wrote to stdout and stderr.
struct tool_run {
  int code;
  std::string out;
  std::string err;
};

tool_run run_tool(std::vector<std::string> argv) {
  child_process proc{std::move(argv)};
  std::string out;
  for (int i = 0; i < 1000; ++i) {
    auto line = proc.read_line(60s);
    if (!line)
      break;
    out += *line + "\n";
  }
  auto code = proc.wait(60s);
  INFO("stdout: " << out << "\nstderr: " << proc.error_output());
  REQUIRE(code);
  return {*code, out, proc.error_output()};
}

/// The first word of the line of `report` whose second word is `setting`:
/// the mark systemd-analyze security gives it.
std::string mark_of(const std::string& report, const std::string& setting) {
  std::stringstream lines{report};
  for (std::string line; std::getline(lines, line);) {
    std::stringstream words{line};
    std::string mark;
    std::string name;
    if (words >> mark >> name && name == setting)
      return mark;
  }
  return "(missing)";
}

/// /etc/caf-ha and /var/lib/caf-ha of the unit and the production config,
/// laid out under a temporary directory: the TLS files and the admin
/// secret the config names, and the state directory systemd would create.
struct installed_layout {
  temp_dir root;
  fs::path etc = root.path() / "etc" / "caf-ha";
  fs::path state = root.path() / "var" / "lib" / "caf-ha";
  test_ca ca{"caf-ha-service-ca"};
  tls_identity node = ca.issue("ha-node");
  tls_identity client = ca.issue("hactl");

  installed_layout() {
    fs::create_directories(etc / "tls");
    fs::create_directories(state);
    fs::copy_file(ca.ca_file(), etc / "tls" / "ca.pem");
    fs::copy_file(node.certificate, etc / "tls" / "node.pem");
    fs::copy_file(node.key, etc / "tls" / "node.key");
    write_text(etc / "admin.secret", "service-test-admin-secret\n");
    write_text(etc / "ha-node.yaml",
               relocate(read_text(
                 source_file("config/ha-node.production.yaml"))));
  }

  /// `text` with the installed paths moved under the temporary root.
  std::string relocate(const std::string& text) const {
    return replace_all(replace_all(text, "/etc/caf-ha", etc.string()),
                       "/var/lib/caf-ha", state.string());
  }
};

} // namespace

TEST_CASE("service unit: systemd-analyze verifies config/ha-node.service "
          "and rates its exposure at most 1.2",
          "[service]") {
  auto analyze = find_program("systemd-analyze");
  if (skip_without(analyze, "systemd-analyze"))
    return;
  unit_file unit;
  temp_dir dir;
  auto copy = dir.path() / "ha-node.service";
  write_text(copy, unit.with_program(binary("ha-node")));
  // verify exits 0 even when it warns about a setting it ignores (such as
  // one in the wrong section), so its output must be empty too.
  auto verify = run_tool({*analyze, "verify", copy.string()});
  CHECK(verify.code == 0);
  CHECK(verify.out.empty());
  CHECK(verify.err.empty());
  auto security = run_tool({*analyze, "security", "--offline=true",
                            "--threshold=12", copy.string()});
  INFO(security.out << security.err);
  CHECK(security.code == 0);
  for (auto setting :
       {"User=/DynamicUser=", "NoNewPrivileges=", "ProtectSystem=",
        "ProtectHome=", "PrivateTmp=", "PrivateDevices=",
        "ProtectKernelTunables=", "ProtectKernelModules=",
        "ProtectKernelLogs=", "ProtectControlGroups=",
        "MemoryDenyWriteExecute=", "LockPersonality=",
        "RestrictAddressFamilies=~AF_PACKET",
        "RestrictAddressFamilies=~AF_NETLINK",
        "SystemCallFilter=~@privileged", "SystemCallArchitectures=",
        "CapabilityBoundingSet=~CAP_SYS_ADMIN",
        "CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)"}) {
    INFO(setting);
    CHECK(mark_of(security.out, setting) == "✓");
  }
}

TEST_CASE("service unit: its ExecStart runs ha-node on the production "
          "config, which serves over mutual TLS, and KillSignal ends it "
          "with exit code 0 within TimeoutStopSec",
          "[service][system]") {
  unit_file unit;
  installed_layout layout;
  auto argv = unit.exec_start();
  // The state directory systemd creates is where ha-node keeps its state.
  auto state_dir = "/var/lib/" + unit.get("StateDirectory");
  CHECK(state_dir == "/var/lib/caf-ha");
  CHECK_THAT(unit.get("ExecStart"),
             Catch::Contains("high-availability.storageDir=" + state_dir));
  argv[0] = binary("ha-node");
  for (auto& word : argv)
    word = layout.relocate(word);
  // Tests listen on loopback only, on a port nobody else uses.
  argv.insert(argv.end(),
              {"-D", "ha.node.host=127.0.0.1", "-D", "ha.node.port=0"});
  std::string command;
  for (auto& word : argv)
    command += word + " ";
  child_process node{argv};
  auto line = node.read_line(start_timeout);
  INFO(command << "\nstderr: " << node.error_output());
  REQUIRE(line);
  std::smatch match;
  REQUIRE(std::regex_match(
    *line, match,
    std::regex{R"(^ha-node listening on 127\.0\.0\.1:(\d+) \(mode sqlite, cluster default\)$)"}));
  auto endpoint = "127.0.0.1:" + match[1].str();

  temp_dir files;
  auto graph = files.path() / "graph.bin";
  write_text(graph, "job graph bytes");
  auto tls = tls_args(layout.client, layout.ca.ca_file());
  hactl_lines(endpoint, append(tls, {"jobs", "put", graph.string(),
                                     "--job-id", job_hex(1), "--name",
                                     "one"}));
  auto listed = hactl_lines(endpoint, append(tls, {"jobs", "list"}));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["job_id"] == job_hex(1));
  CHECK(fs::exists(layout.state / "default" / "metadata.db"));
  // Logged after the listening line: read once a client was served.
  CHECK_THAT(node.error_output(), !Catch::Contains("unknown config key"));
  CHECK_THAT(node.error_output(), Catch::Contains("peers connect over mutual TLS"));
  // A client without a certificate gets nothing.
  auto plain = hactl(endpoint, {"jobs", "list"});
  auto plain_code = plain->wait(start_timeout);
  REQUIRE(plain_code);
  CHECK(*plain_code != 0);

  node.signal(unit.kill_signal());
  auto stopped = node.wait(unit.stop_timeout());
  INFO("stderr: " << node.error_output());
  REQUIRE(stopped);
  CHECK(*stopped == 0);
}

TEST_CASE("service: sqlite3 .backup of a running node's database, restored "
          "with the blob files, brings back what was written before it",
          "[service][system]") {
  auto sqlite3 = find_program("sqlite3");
  if (skip_without(sqlite3, "sqlite3"))
    return;
  temp_dir storage;
  temp_dir backup;
  temp_dir files;
  auto cluster = storage.path() / "default";
  auto db = cluster / "metadata.db";
  auto payload = files.path() / "graph.bin";
  write_text(payload, "job graph bytes");
  auto blob = files.path() / "blob.bin";
  write_text(blob, "blob bytes");
  auto put_graph = [&](const std::string& endpoint, int n) {
    hactl_lines(endpoint, {"jobs", "put", payload.string(), "--job-id",
                           job_hex(n), "--name", "graph-" + std::to_string(n)});
  };
  auto granted_epoch = [](const std::string& endpoint) {
    auto contender = hactl(endpoint, {"contend", "dispatcher", "--address",
                                      "master-a:6123"});
    auto epoch = await_event(*contender, "granted", start_timeout)["epoch"]
                   .get<uint64_t>();
    contender->signal(SIGTERM);
    CHECK(contender->wait(start_timeout) == 0);
    return epoch;
  };
  std::string key;
  uint64_t epoch_after_backup = 0;
  {
    running_node node{{}, storage.str()};
    for (int n = 1; n <= 3; ++n)
      put_graph(node.endpoint, n);
    auto put = hactl_lines(node.endpoint, {"blobs", "put", blob.string(),
                                           "--job-id", job_hex(1)});
    REQUIRE(put.size() == 1);
    key = put[0]["key"].get<std::string>();
    granted_epoch(node.endpoint); // a grant the backup holds
    // The README's backup, while the node runs: the database first, then
    // the blob files (a blob file never changes once it is there).
    auto copy = run_tool({*sqlite3, db.string(),
                          ".backup " + (backup.path() / "metadata.db").string()});
    CHECK(copy.code == 0);
    CHECK(copy.err.empty());
    fs::copy(cluster / "blob", backup.path() / "blob",
             fs::copy_options::recursive);
    // After the backup: the graph is lost with the restore, the epoch must
    // still never be granted again.
    put_graph(node.endpoint, 4);
    epoch_after_backup = granted_epoch(node.endpoint);
    node.process->signal(SIGTERM);
    REQUIRE(node.process->wait(start_timeout) == 0);
  }
  // The README's restore into the stopped node's storage.
  for (auto suffix : {"", "-wal", "-shm"})
    fs::remove(db.string() + suffix);
  fs::copy_file(backup.path() / "metadata.db", db);
  fs::remove_all(cluster / "blob");
  fs::copy(backup.path() / "blob", cluster / "blob",
           fs::copy_options::recursive);

  running_node restored{{}, storage.str()};
  std::set<std::string> jobs;
  for (auto& line : hactl_lines(restored.endpoint, {"jobs", "list"}))
    jobs.insert(line["job_id"].get<std::string>());
  CHECK(jobs == std::set<std::string>{job_hex(1), job_hex(2), job_hex(3)});
  auto got = hactl_lines(restored.endpoint, {"jobs", "get", job_hex(2)});
  REQUIRE(got.size() == 1);
  CHECK(got[0]["name"] == "graph-2");
  auto out = files.path() / "blob.out";
  hactl_lines(restored.endpoint, {"blobs", "get", key, "--job-id", job_hex(1),
                                  "--out", out.string()});
  CHECK(read_text(out) == "blob bytes");
  CHECK(granted_epoch(restored.endpoint) > epoch_after_backup);
}
