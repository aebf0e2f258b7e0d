// A hostile peer against electors and retrievers, over plain TCP and over
// mutual TLS with a valid certificate: it cannot speak for the election
// backend, act for another process's contender with a session it learnt as
// a listener, or make one job two elections by spelling; and the electors
// and retrievers it asks for are reaped, so lookups do not grow the node.

#include <csignal>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/hostile_cluster.hpp"

using namespace ha::test;

namespace {

const std::string evil = "tcp://evil:1";

} // namespace

TEST_CASE("a contender's forged grants, revocations and driver errors do not "
          "change who leads",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto real = start_leader(cluster, "dispatcher", "a:1");
  auto before = cluster.leader();
  CHECK(before["address"] == "a:1");
  auto report = cluster.attack("forge-grant");
  CHECK(report["outcome"] == "refused");
  CHECK(report["grants"] == 0);
  CHECK(report["election_errors"] == 0);
  CHECK(same_leader(cluster.leader(), before));
  cluster.expect_served();
}

TEST_CASE("a listener's forged leader and retrieval error reach neither the "
          "retriever nor its listeners",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto real = start_leader(cluster, "dispatcher", "a:1");
  auto watcher = cluster.hactl({"leader", "watch", "dispatcher"});
  // The watcher prints the current leader first.
  auto seen = await_event(*watcher, "leader");
  CHECK(seen["address"] == "a:1");
  auto report = cluster.attack("forge-leader");
  CHECK(report["outcome"] == "refused");
  CHECK(report["leader_address"] == "a:1");
  CHECK(report["evil_leaders_seen"] == 0);
  CHECK(report["retrieval_errors"] == 0);
  // The real leader leaves: the watcher's next events, up to "no leader",
  // include everything the forgeries could have caused.
  real.process->signal(SIGTERM);
  CHECK(real.process->wait(10s) == 0);
  for (int i = 0; i < 10; ++i) {
    auto event = next_event(*watcher);
    CHECK(event["event"] == "leader");
    CHECK(event["address"] != evil);
    if (event["address"] == "")
      break;
  }
  cluster.expect_served();
}

TEST_CASE("a listener cannot confirm, resign or end the drain of the "
          "leader's session it learnt",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto real = start_leader(cluster, "dispatcher", "a:1");
  auto before = cluster.leader();
  for (auto attack : {"confirm-stolen-session", "resign-stolen-session",
                      "drained-stolen-session"}) {
    INFO(attack);
    auto report = cluster.attack(attack);
    CHECK(report["outcome"] == "refused");
    CHECK(report["code"] == "permission_denied");
  }
  CHECK(same_leader(cluster.leader(), before));
  // The leader keeps its grant: nothing but its own events so far.
  CHECK_FALSE(real.process->wait(0ms));
  cluster.expect_served();
}

TEST_CASE("leadership moves only through the root's transfer with the admin "
          "secret: not without it, and never through the elector's handle",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto real = start_leader(cluster, "dispatcher", "a:1");
  auto other = cluster.hactl({"contend", "dispatcher", "--address", "b:1"});
  await_event(*other, "joined");
  auto before = cluster.leader();
  auto direct = cluster.attack("elector-transfer", {"--to", "b:1"});
  CHECK(direct["outcome"] == "refused");
  CHECK(direct["code"] == "permission_denied");
  auto unsigned_transfer = cluster.attack("transfer", {"--to", "b:1"});
  CHECK(unsigned_transfer["outcome"] == "refused");
  CHECK(unsigned_transfer["code"] == "permission_denied");
  CHECK(same_leader(cluster.leader(), before));
  CHECK_FALSE(real.process->wait(0ms));
  cluster.expect_served();
}

TEST_CASE("every spelling of one job is one election, other spellings of "
          "fixed names are refused naming the value",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  const std::string hex = "00000000000000000000000000abcdef";
  auto first = start_leader(cluster, "job_manager/" + hex, "a:1");
  auto second = cluster.hactl({"contend", "job_manager/00000000000000000000"
                                          "000000ABCDEF",
                               "--address", "b:1"});
  await_event(*second, "joined");
  // Queued, not granted: it is granted only once the first one leaves.
  auto left_at = now_ms();
  first.process->signal(SIGTERM);
  CHECK(first.process->wait(10s) == 0);
  auto granted = await_event(*second, "granted");
  CHECK(granted["ts_ms"].get<int64_t>() >= left_at);
  CHECK(granted["epoch"] > first.confirmed["epoch"]);
  // A contender for a refused name must fail, not wait for a grant.
  auto refused = cluster.hactl({"contend", "Dispatcher", "--address", "c:1"});
  CHECK(refused->wait(10s) == 64);
  CHECK_THAT(refused->error_output(),
             Catch::Contains("unknown component 'Dispatcher'"));
  for (auto name : {"dispatcher ", "job_manager/ abc"}) {
    INFO("component '" << name << "'");
    auto get = cluster.hactl({"leader", "get", name});
    CHECK(get->wait(20s) == 64);
    CHECK_THAT(get->error_output(),
               Catch::Contains(std::string{"unknown component '"} + name));
  }
  cluster.expect_served();
}

TEST_CASE("a component name of 1 MiB is refused and the node serves on",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("huge-name", {"--size", "1048576"});
  CHECK(report["outcome"] == "refused");
  CHECK(report["code"] == "invalid_argument");
  // The refusal names the value, shortened: a peer cannot make the node
  // echo (or log) a megabyte.
  CHECK(report["error_length"] < 1000);
  cluster.expect_served();
}

TEST_CASE("rounds of 2000 random lookups are reaped and do not grow "
          "ha-node's memory round after round",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode, {"-D", "ha.services.idle-timeout=1000"}};
  auto pid = cluster.node().process->pid();
  std::vector<long> rss;
  for (int round = 1; round <= 3; ++round) {
    auto report = cluster.attack("lookups",
                                 {"--count", "2000", "--wait-ms", "30000"});
    CHECK(report["outcome"] == "reaped");
    CHECK(report["down"] == 2000);
    rss.push_back(status_kb(pid, "VmRSS"));
    WARN("lookups over " << to_string(mode) << ", round " << round << ": "
                         << report["ms"] << " ms until all 2000 were reaped, "
                         << "ha-node VmRSS " << rss.back() << " kB");
  }
  CHECK(rss[1] <= rss[0] * 110 / 100);
  CHECK(rss[2] <= rss[0] * 110 / 100);
  // The memory a reaped lookup must give back is checked exactly where it
  // is kept (tests/actors/retriever_test.cpp); RSS on a loaded machine
  // moves by about a megabyte a round either way.
  cluster.expect_served();
}
