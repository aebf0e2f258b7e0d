// Multi-process on loopback, with short heartbeats (100 ms, timeout
// 1000 ms) given by -D to ha-node and every hactl: a hung leader (SIGSTOP)
// loses its leadership within the heartbeat timeout and is fenced when it
// wakes up; a killed ha-node tells contenders and watchers at once, and
// they come back by themselves when it restarts on the same port.
//
// The test tagged [measure] prints medians of 10 failovers; run it with
// `ha_tests "[measure]"`.

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "tests/support/election_cluster.hpp"

using namespace ha::test;

namespace {

const std::string first_job = "0123456789abcdef0123456789abcdef";
const std::string second_job = "fedcba9876543210fedcba9876543210";

/// An ha-node (sqlite) and an election on it, both with short heartbeats.
struct election {
  running_node node{failure_detection_options()};
  election_cluster cluster;

  explicit election(size_t contender_count)
    : cluster(node.endpoint, contender_count) {
  }

  /// `hactl results create-dirty JOB --fence dispatcher:EPOCH`, finished.
  std::unique_ptr<child_process> write_result(const std::string& job,
                                              uint64_t epoch) {
    auto proc = cluster.start({"results", "create-dirty", job, "--fence",
                               "dispatcher:" + std::to_string(epoch)});
    proc->wait(10s);
    return proc;
  }
};

/// Sends `sig` to the leader; returns the ms until its successor confirmed.
int64_t fail_leader(election_cluster& cluster, int sig) {
  auto failed_at = now_ms();
  cluster.contender(cluster.leader_index()).signal(sig);
  auto confirmed = cluster.await_new_leader();
  return confirmed["ts_ms"].get<int64_t>() - failed_at;
}

int64_t median(std::vector<int64_t> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

} // namespace

TEST_CASE("SIGSTOP of the leader: a successor is confirmed within the "
          "heartbeat timeout, and after SIGCONT the old leader is told and "
          "its epoch is fenced") {
  election e{2};
  auto& cluster = e.cluster;
  auto old_index = cluster.leader_index();
  auto old_epoch = cluster.leader_epoch();
  auto took = fail_leader(cluster, SIGSTOP);
  std::cout << "SIGSTOP of the leader to new leader confirmed: " << took
            << " ms (heartbeat interval " << heartbeat_interval.count()
            << " ms, timeout " << heartbeat_timeout.count() << " ms)"
            << std::endl;
  // Noticed by the heartbeat: not before the timeout, not long after it.
  CHECK(took >= (heartbeat_timeout - 2 * heartbeat_interval).count());
  CHECK(took <= (heartbeat_timeout + 5 * heartbeat_interval).count());
  CHECK(e.write_result(first_job, cluster.leader_epoch())->wait(0ms) == 0);
  auto& old_leader = cluster.contender(old_index);
  old_leader.signal(SIGCONT);
  // It learns at once that it cannot prove its leadership any more, then
  // comes back as a follower: no grant in between.
  auto told = next_event(old_leader, 5s);
  CHECK(told["event"] == "error");
  CHECK(told["component"] == "dispatcher");
  CHECK(next_event(old_leader, 5s)["event"] == "reconnected");
  // A write with its old epoch is refused.
  auto stale = e.write_result(second_job, old_epoch);
  INFO("stderr: " << stale->error_output());
  auto code = stale->wait(20s);
  REQUIRE(code);
  CHECK(*code != 0);
  CHECK(stale->error_output().find("fenced") != std::string::npos);
}

TEST_CASE("kill -9 of ha-node: contenders and watchers are told at once and "
          "come back by themselves when it restarts, in sqlite mode epochs "
          "keep growing") {
  election e{2};
  auto& cluster = e.cluster;
  auto old_epoch = cluster.leader_epoch();
  auto killed_at = now_ms();
  e.node.process->signal(SIGKILL);
  CHECK(e.node.process->wait(5s).has_value());
  // At once: the closed connection is seen without waiting for heartbeats.
  auto told_within = [&](child_process& proc) {
    return await_event(proc, "error", 5s)["ts_ms"].get<int64_t>() - killed_at;
  };
  for (size_t i = 0; i < cluster.size(); ++i)
    CHECK(told_within(cluster.contender(i)) < heartbeat_interval.count());
  CHECK(told_within(cluster.watcher()) < heartbeat_interval.count());
  // Same port, same storage directory: the clients find it again.
  running_node restarted{append(failure_detection_options(),
                                {"-D", "ha.node.port=" + e.node.port()}),
                         e.node.storage.str()};
  auto restarted_at = now_ms();
  auto confirmed = cluster.await_new_leader(15s);
  CHECK(confirmed["epoch"].get<uint64_t>() > old_epoch);
  std::cout << "ha-node restart to new leader confirmed: "
            << confirmed["ts_ms"].get<int64_t>() - restarted_at << " ms"
            << std::endl;
  for (size_t i = 0; i < cluster.size(); ++i)
    if (i != cluster.leader_index())
      await_event(cluster.contender(i), "reconnected");
}

TEST_CASE("median of 10: kill -9 of the leader to new leader confirmed, and "
          "SIGSTOP of the leader to new leader confirmed",
          "[.][measure]") {
  constexpr size_t rounds = 10;
  std::map<int, std::vector<int64_t>> took;
  for (int sig : {SIGKILL, SIGSTOP}) {
    election e{rounds + 1};
    for (size_t i = 0; i < rounds; ++i)
      took[sig].push_back(fail_leader(e.cluster, sig));
  }
  std::cout << "heartbeat interval " << heartbeat_interval.count()
            << " ms, timeout " << heartbeat_timeout.count() << " ms\n"
            << "kill -9 of the leader to new leader confirmed: median "
            << median(took[SIGKILL]) << " ms of " << rounds << "\n"
            << "SIGSTOP of the leader to new leader confirmed: median "
            << median(took[SIGSTOP]) << " ms of " << rounds << std::endl;
}

TEST_CASE("hactl leader participants: every contender with the address it "
          "declared, the leader with its epoch, and after ha-node restarts the "
          "contenders that rejoined are listed with their addresses again",
          "[participants]") {
  election e{2};
  auto& cluster = e.cluster;
  auto participants = [&] {
    return hactl_lines(e.node.endpoint,
                       {"leader", "participants", "dispatcher"});
  };
  auto leader = cluster.leader_index();
  auto listed = participants();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["event"] == "participant");
  CHECK(listed[0]["address"] == contender_address(leader));
  CHECK(listed[0]["state"] == "leader");
  CHECK(listed[0]["epoch"] == cluster.leader_epoch());
  CHECK(listed[0]["last_seen_ms"].get<int64_t>() > 0);
  CHECK(listed[1]["address"] == contender_address(1 - leader));
  CHECK(listed[1]["state"] == "candidate");
  CHECK(listed[1]["epoch"] == 0);
  e.node.process->signal(SIGKILL);
  CHECK(e.node.process->wait(5s).has_value());
  running_node restarted{append(failure_detection_options(),
                                {"-D", "ha.node.port=" + e.node.port()}),
                         e.node.storage.str()};
  cluster.await_new_leader(15s);
  for (size_t i = 0; i < cluster.size(); ++i)
    if (i != cluster.leader_index())
      await_event(cluster.contender(i), "reconnected");
  listed = participants();
  REQUIRE(listed.size() == 2);
  std::set<std::string> addresses;
  for (auto& x : listed)
    addresses.insert(x["address"].get<std::string>());
  CHECK(addresses
        == std::set<std::string>{contender_address(0), contender_address(1)});
  CHECK(listed[0]["address"] == contender_address(cluster.leader_index()));
  CHECK(listed[0]["state"] == "leader");
}
