// Bad input to ha-node and hactl: a non-zero exit and one line on stderr
// that names what was wrong; never a crash.

#include <csignal>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

outcome run_node(std::vector<std::string> args) {
  args.insert(args.begin(), binary("ha-node"));
  return run_to_end(args);
}

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("ha-node with an unknown mode fails naming the key and the value") {
  auto out = run_node({"-D", "high-availability=bogus"});
  CHECK(out.exit_code == 1);
  CHECK_THAT(out.stderr_text, Catch::Contains("high-availability")
                                && Catch::Contains("bogus"));
  CHECK(line_count(out.stderr_text) == 1);
}

TEST_CASE("ha-node with a non-numeric timeout fails naming the key") {
  auto out = run_node(
    {"-D", "high-availability.zookeeper.client.session-timeout=soon"});
  CHECK(out.exit_code == 1);
  CHECK_THAT(out.stderr_text,
             Catch::Contains("high-availability.zookeeper.client.session-"
                             "timeout")
               && Catch::Contains("soon"));
  CHECK(line_count(out.stderr_text) == 1);
}

TEST_CASE("ha-node with a missing config file fails naming the file") {
  auto out = run_node({"--config", "/nonexistent/caf-ha.yaml"});
  CHECK(out.exit_code == 1);
  CHECK_THAT(out.stderr_text, Catch::Contains("/nonexistent/caf-ha.yaml"));
  CHECK(line_count(out.stderr_text) == 1);
}

TEST_CASE("ha-node in the zookeeper mode of this build fails with a clear "
          "error, not a crash") {
  auto out = run_node({"-D", "high-availability=zookeeper"});
  CHECK(out.exit_code == 1);
  CHECK_THAT(out.stderr_text, Catch::Contains("zookeeper"));
}

TEST_CASE("hactl fails with one line when no ha-node listens") {
  // Port 1 on loopback is reserved and never served by the tests.
  auto out = run_to_end({binary("hactl"), "--connect", "127.0.0.1:1", "leader",
                  "get", "dispatcher"});
  CHECK(out.exit_code == 1);
  CHECK_THAT(out.stderr_text, Catch::Contains("127.0.0.1:1"));
  CHECK(line_count(out.stderr_text) == 1);
}

TEST_CASE("hactl rejects an unknown component naming it") {
  running_node node;
  auto out = run_to_end({binary("hactl"), "--connect", node.endpoint, "leader",
                  "get", "dispatch0r"});
  CHECK(out.exit_code == 64);
  CHECK_THAT(out.stderr_text, Catch::Contains("dispatch0r"));
  CHECK(line_count(out.stderr_text) == 1);
}

TEST_CASE("hactl leader watch with a timeout fails when too few changes "
          "come") {
  running_node node;
  auto out = run_to_end({binary("hactl"), "--connect", node.endpoint, "leader",
                  "watch", "rest", "--count", "2", "--timeout-ms", "300"});
  CHECK(out.exit_code == 2);
  CHECK_THAT(out.stderr_text, Catch::Contains("timeout"));
}

TEST_CASE("hactl in mode NONE reports the configured fixed addresses") {
  child_process proc{{binary("hactl"), "--config",
                      source_file("config/none.yaml"), "--json", "-D",
                      "rest.port=9090", "leader", "get", "rest"}};
  auto ev = next_event(proc);
  CHECK(ev["address"].get<std::string>().find(":9090") != std::string::npos);
  CHECK(ev["session_id"] == "00000000-0000-0000-0000-000000000000");
  CHECK(ev["epoch"] == 0);
  CHECK(proc.wait(10s) == 0);
}

TEST_CASE("hactl --json prints a leader address that is not UTF-8 with "
          "U+FFFD, not a crash") {
  // Any contender chooses its address; JSON refuses such bytes, and hactl
  // died on the first event that carried them.
  child_process proc{{binary("hactl"), "--config",
                      source_file("config/embedded.yaml"), "--json",
                      "contend", "dispatcher", "--address", "master-\xff:1"}};
  auto granted = await_event(proc, "granted");
  CHECK(granted["address"] == "master-\xEF\xBF\xBD:1");
  proc.signal(SIGTERM);
  CHECK(proc.wait(10s) == 0);
}
