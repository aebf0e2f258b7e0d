// Multi-process: an ha-node, hactl contenders and a hactl watcher on
// loopback. Leadership moves when the leader's process dies, leaves or
// resigns, and a watcher never sees two leaders without a gap between.

#include <csignal>
#include <iostream>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

constexpr int contender_count = 3;

std::string address_of(int i) {
  return "master-" + std::to_string(i) + ":6123";
}

std::vector<std::unique_ptr<child_process>>
start_contenders(const running_node& node, std::vector<std::string> extra) {
  std::vector<std::unique_ptr<child_process>> result;
  for (int i = 0; i < contender_count; ++i) {
    std::vector<std::string> args{"contend", "dispatcher", "--address",
                                  address_of(i)};
    args.insert(args.end(), extra.begin(), extra.end());
    result.push_back(hactl(node.endpoint, args));
  }
  return result;
}

int index_of(const std::string& address) {
  for (int i = 0; i < contender_count; ++i)
    if (address_of(i) == address)
      return i;
  FAIL("no contender has address " << address);
  return -1;
}

/// Reads the contender's `granted` and `confirmed` lines and checks that
/// they match what the watcher saw.
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

void expect_new_leader(const nlohmann::json& before,
                       const nlohmann::json& after) {
  CHECK(after["event"] == "leader");
  CHECK(after["address"] != "");
  CHECK(after["address"] != before["address"]);
  CHECK(after["session_id"] != before["session_id"]);
  CHECK(after["epoch"].get<uint64_t>() > before["epoch"].get<uint64_t>());
}

} // namespace

TEST_CASE("kill -9 of the leader's process: the watcher sees exactly one new "
          "leader with a new session and a higher epoch") {
  running_node node;
  auto watcher = hactl(node.endpoint, {"leader", "watch", "dispatcher",
                                       "--count", "4", "--timeout-ms",
                                       "30000"});
  auto initial = next_event(*watcher);
  CHECK(initial["address"] == "");
  auto contenders = start_contenders(node, {});
  auto first = next_event(*watcher);
  auto old_leader = index_of(first["address"]);
  expect_confirmed(*contenders[old_leader], first);
  auto killed_at = std::chrono::system_clock::now();
  contenders[old_leader]->signal(SIGKILL);
  // Between two leaders the watcher always sees "no leader".
  auto gap = next_event(*watcher);
  CHECK(gap["address"] == "");
  auto second = next_event(*watcher);
  expect_new_leader(first, second);
  auto new_leader = index_of(second["address"]);
  expect_confirmed(*contenders[new_leader], second);
  CHECK(watcher->wait(5s) == 0);
  // The remaining follower joined and was never granted.
  for (int i = 0; i < contender_count; ++i) {
    if (i != old_leader && i != new_leader) {
      CHECK(next_event(*contenders[i])["event"] == "joined");
      CHECK_FALSE(contenders[i]->read_line(0ms));
    }
  }
  auto killed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     killed_at.time_since_epoch())
                     .count();
  std::cout << "failover: kill -9 to new leader seen by the watcher: "
            << second["ts_ms"].get<int64_t>() - killed_ms << " ms"
            << std::endl;
}

TEST_CASE("SIGTERM of the leading hactl leaves the election and hands over") {
  running_node node;
  auto watcher = hactl(node.endpoint, {"leader", "watch", "dispatcher",
                                       "--count", "4", "--timeout-ms",
                                       "30000"});
  next_event(*watcher);
  auto contenders = start_contenders(node, {});
  auto first = next_event(*watcher);
  auto old_leader = index_of(first["address"]);
  expect_confirmed(*contenders[old_leader], first);
  contenders[old_leader]->signal(SIGTERM);
  auto revoked = next_event(*contenders[old_leader]);
  CHECK(revoked["event"] == "revoked");
  CHECK(revoked["session_id"] == first["session_id"]);
  CHECK(contenders[old_leader]->wait(10s) == 0);
  CHECK(next_event(*watcher)["address"] == "");
  expect_new_leader(first, next_event(*watcher));
}

TEST_CASE("a leader that resigns hands over to the next contender") {
  running_node node;
  auto watcher = hactl(node.endpoint, {"leader", "watch", "dispatcher",
                                       "--count", "4", "--timeout-ms",
                                       "30000"});
  next_event(*watcher);
  // a resigns 3 s after its confirmation; b joins well within that time
  // and is next in line.
  auto a = hactl(node.endpoint, {"contend", "dispatcher", "--address",
                                 address_of(0), "--resign-after-ms", "3000"});
  auto first = next_event(*watcher);
  CHECK(first["address"] == address_of(0));
  auto b = hactl(node.endpoint,
                 {"contend", "dispatcher", "--address", address_of(1)});
  CHECK(next_event(*b)["event"] == "joined");
  CHECK(next_event(*watcher)["address"] == "");
  auto second = next_event(*watcher);
  CHECK(second["address"] == address_of(1));
  expect_new_leader(first, second);
  expect_confirmed(*b, second);
}

TEST_CASE("ha-node exits 0 on SIGTERM and SIGINT") {
  for (int sig : {SIGTERM, SIGINT}) {
    running_node node;
    node.process->signal(sig);
    CHECK(node.process->wait(10s) == 0);
  }
}
