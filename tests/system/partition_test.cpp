// A real partition: ha-node and three contenders, each in its own network
// namespace made by the test, linked through a bridge. Cutting the
// leader's link (`ip link set eth0 down` in its namespace) leaves its
// sockets open, so only the heartbeats notice: a new leader is confirmed
// within the heartbeat timeout, the old one is told before that, and once
// the link is back it rejoins as a follower. Needs root (CAP_NET_ADMIN);
// elsewhere it prints "SKIPPED: ..." and passes nothing else.

#include <csignal>
#include <iostream>

#include <catch2/catch.hpp>

#include "tests/support/election_cluster.hpp"
#include "tests/support/network_namespaces.hpp"

using namespace ha::test;

namespace {

constexpr size_t contender_count = 3;

std::string host_of(int who) {
  return who < 0 ? "node" : "c" + std::to_string(who);
}

} // namespace

TEST_CASE("partition: the cut-off leader is replaced within the heartbeat "
          "timeout and rejoins as a follower, never two confirmed leaders",
          "[partition]") {
  std::string why;
  auto net = namespace_network::create(why);
  if (!net) {
    std::cout << "SKIPPED: cannot create network namespaces: " << why
              << std::endl;
    WARN("SKIPPED: cannot create network namespaces: " << why);
    return;
  }
  auto node_address = net->add_host(host_of(-1), 1);
  for (size_t i = 0; i < contender_count; ++i)
    net->add_host(host_of(static_cast<int>(i)), 10 + static_cast<int>(i));
  // The namespaces' private link is the test's own network: plain TCP on it
  // must be allowed explicitly.
  running_node node{append(failure_detection_options(),
                           {"-D", "ha.node.host=" + node_address, "-D",
                            "ha.node.allow-plaintext=true"}),
                    "", net->launcher(host_of(-1))};
  // The watcher runs next to ha-node, so the cut never hides it.
  election_cluster cluster{node.endpoint, contender_count,
                           [&](int who) { return net->launcher(host_of(who)); }};
  auto old_index = cluster.leader_index();
  auto old_epoch = cluster.leader_epoch();
  auto& old_leader = cluster.contender(old_index);
  auto cut_at = now_ms();
  net->set_link(host_of(static_cast<int>(old_index)), false);
  auto told = await_event(old_leader, "error", 5s);
  auto confirmed = cluster.await_new_leader();
  auto took = confirmed["ts_ms"].get<int64_t>() - cut_at;
  std::cout << "partition of the leader to new leader confirmed: " << took
            << " ms; the old leader stopped after "
            << told["ts_ms"].get<int64_t>() - cut_at << " ms" << std::endl;
  CHECK(cluster.leader_index() != old_index);
  CHECK(cluster.leader_epoch() > old_epoch);
  CHECK(took <= (heartbeat_timeout + 5 * heartbeat_interval).count());
  // Never two confirmed leaders: the old one gave up before the new one
  // confirmed.
  CHECK(told["ts_ms"].get<int64_t>() <= confirmed["ts_ms"].get<int64_t>());
  net->set_link(host_of(static_cast<int>(old_index)), true);
  CHECK(await_event(old_leader, "reconnected", 15s)["component"]
        == "dispatcher");
  // It rejoined as a follower: no grant while the new leader lives...
  CHECK_FALSE(old_leader.read_line(0ms));
  // ...and it is in the queue: killing the leaders one by one (bounded by
  // the number of others) comes to it.
  for (size_t i = 1; i < contender_count; ++i) {
    cluster.contender(cluster.leader_index()).signal(SIGKILL);
    cluster.await_new_leader();
    if (cluster.leader_index() == old_index)
      break;
  }
  CHECK(cluster.leader_index() == old_index);
}
