// Multi-process, mode zookeeper: three `hactl --config zk.yaml contend`
// processes embed the services themselves and elect through ZooKeeper (no
// ha-node anywhere); a `hactl leader watch` sees every change. A leader
// killed with -9 is replaced once its session expires; one stopped with
// SIGTERM closes its session and hands over at once.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/zookeeper_server.hpp"
#include "tests/system/zookeeper_hactl.hpp"

using namespace ha::test;

namespace {

constexpr int contender_count = 3;
constexpr int64_t session_timeout_ms = 2000;

std::string address_of(int i) {
  return "master-" + std::to_string(i) + ":6123";
}

/// zk.yaml for one test: its own root node and storage directory.
std::string write_config(const temp_dir& dir) {
  auto path = dir.str() + "/zk.yaml";
  std::ofstream out{path};
  out << "high-availability: zookeeper\n"
      << "high-availability.storageDir: " << dir.str() << "/storage\n"
      << "high-availability.zookeeper.quorum: " << zookeeper_quorum() << "\n"
      << "high-availability.zookeeper.path.root: " << unique_zookeeper_root()
      << "\n"
      << "high-availability.zookeeper.client.session-timeout: "
      << session_timeout_ms << "\n"
      << "high-availability.zookeeper.client.connection-timeout: 5000\n"
      << "high-availability.zookeeper.client.retry-wait: 200\n";
  return path;
}

int index_of(const std::string& address) {
  for (int i = 0; i < contender_count; ++i)
    if (address_of(i) == address)
      return i;
  FAIL("no contender has address " << address);
  return -1;
}

/// The contender's `granted` and `confirmed` lines match what was seen.
void expect_confirmed(child_process& contender, const nlohmann::json& seen) {
  auto granted = next_event(contender);
  if (granted["event"] == "joined")
    granted = next_event(contender);
  CHECK(granted["event"] == "granted");
  auto confirmed = next_event(contender);
  CHECK(confirmed["event"] == "confirmed");
  CHECK(confirmed["session_id"] == seen["session_id"]);
  CHECK(confirmed["epoch"] == seen["epoch"]);
}

/// The watcher's next leader other than `before`, skipping the "no leader"
/// in between; at most a few events.
nlohmann::json next_leader(child_process& watcher,
                           const nlohmann::json& before) {
  for (int i = 0; i < 4; ++i) {
    auto event = next_event(watcher, 10s);
    if (event["address"] != "" && event["address"] != before["address"])
      return event;
    CHECK(event["address"] == "");
  }
  FAIL("no new leader after " << before["address"]);
  return {};
}

struct election {
  temp_dir dir;
  std::string config = write_config(dir);
  std::unique_ptr<child_process> watcher
    = hactl_zk(config, {"leader", "watch", "dispatcher", "--count", "100",
                        "--timeout-ms", "60000"});
  std::vector<std::unique_ptr<child_process>> contenders;
  nlohmann::json first;
  int old_leader = -1;

  election() {
    CHECK(next_event(*watcher)["address"] == "");
    for (int i = 0; i < contender_count; ++i)
      contenders.push_back(hactl_zk(
        config, {"contend", "dispatcher", "--address", address_of(i)}));
    first = next_event(*watcher);
    old_leader = index_of(first["address"]);
    expect_confirmed(*contenders[old_leader], first);
  }

  /// Signals the leader and returns the milliseconds until the watcher saw
  /// its successor.
  int64_t fail_leader(int sig) {
    auto at = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
    contenders[old_leader]->signal(sig);
    auto second = next_leader(*watcher, first);
    CHECK(second["session_id"] != first["session_id"]);
    CHECK(second["epoch"].get<uint64_t>() > first["epoch"].get<uint64_t>());
    expect_confirmed(*contenders[index_of(second["address"])], second);
    // Exactly one new leader: nothing else changes for a while.
    CHECK_FALSE(watcher->read_line(300ms));
    return second["ts_ms"].get<int64_t>() - at;
  }
};

} // namespace

TEST_CASE("zookeeper: kill -9 of the leader's process: the watcher sees one "
          "new leader within the session timeout plus one second",
          "[zookeeper][system]") {
  election e;
  auto ms = e.fail_leader(SIGKILL);
  std::cout << "zookeeper failover: kill -9 to new leader seen: " << ms
            << " ms (session timeout " << session_timeout_ms << " ms)"
            << std::endl;
  CHECK(ms <= session_timeout_ms + 1000);
}

TEST_CASE("zookeeper: SIGTERM of the leading hactl hands over in well under "
          "a second",
          "[zookeeper][system]") {
  election e;
  auto ms = e.fail_leader(SIGTERM);
  std::cout << "zookeeper failover: SIGTERM to new leader seen: " << ms
            << " ms" << std::endl;
  CHECK(ms < 500);
  CHECK(e.contenders[e.old_leader]->wait(10s) == 0);
}

namespace {

/// `hactl --config <config> --json leader participants dispatcher`, run in
/// a process of its own that contends for nothing.
std::vector<nlohmann::json> participants_of(const std::string& config) {
  auto proc = hactl_zk(config, {"leader", "participants", "dispatcher"});
  std::vector<nlohmann::json> result;
  for (int i = 0; i < 16; ++i) {
    auto line = proc->read_line(10s);
    if (!line)
      break;
    result.push_back(nlohmann::json::parse(*line));
  }
  INFO("stderr: " << proc->error_output());
  REQUIRE(proc->wait(10s) == 0);
  return result;
}

} // namespace

TEST_CASE("zookeeper: hactl leader participants in a process of its own lists "
          "the contenders of every process with their addresses, the leader "
          "first with its epoch",
          "[zookeeper][system][participants]") {
  election e;
  // Each contender's latch node is made after its join is answered: ask
  // until all three are there (each ask is a whole hactl run).
  std::vector<nlohmann::json> listed;
  for (int i = 0; i < 50 && listed.size() < contender_count; ++i)
    listed = participants_of(e.config);
  REQUIRE(listed.size() == contender_count);
  CHECK(listed[0]["address"] == e.first["address"]);
  CHECK(listed[0]["state"] == "leader");
  CHECK(listed[0]["epoch"] == e.first["epoch"]);
  std::set<std::string> addresses;
  for (auto& x : listed) {
    addresses.insert(x["address"].get<std::string>());
    CHECK(x["last_seen_ms"].get<int64_t>() > 0);
  }
  CHECK(addresses.size() == contender_count);
  for (size_t i = 1; i < listed.size(); ++i) {
    CHECK(listed[i]["state"] == "candidate");
    CHECK(listed[i]["epoch"] == 0);
  }
}

TEST_CASE("zookeeper: hactl leader transfer in a process of its own hands "
          "leadership to the named contender of another process, before the "
          "one that waited longer",
          "[zookeeper][system][transfer]") {
  election e;
  std::vector<nlohmann::json> listed;
  for (int i = 0; i < 50 && listed.size() < contender_count; ++i)
    listed = participants_of(e.config);
  REQUIRE(listed.size() == contender_count);
  // The last in election order, not the next one.
  auto target = listed.back()["address"].get<std::string>();
  auto proc = hactl_zk(e.config, {"leader", "transfer", "dispatcher", "--to",
                                  target, "--timeout-ms", "20000"});
  auto done = next_event(*proc, 20s);
  INFO("stderr: " << proc->error_output());
  CHECK(done["event"] == "transferred");
  CHECK(done["address"] == target);
  CHECK(proc->wait(10s) == 0);
  auto second = next_leader(*e.watcher, e.first);
  CHECK(second["address"] == target);
  CHECK(second["epoch"].get<uint64_t>() > e.first["epoch"].get<uint64_t>());
  expect_confirmed(*e.contenders[index_of(target)], second);
}
