// Multi-process, mode zookeeper: a process embedding the services (election,
// retrieval, four stores and the admin connection) holds exactly one
// ZooKeeper session, counted by a server of the test's own.

#include <csignal>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/zookeeper_server.hpp"
#include "tests/system/zookeeper_hactl.hpp"

using namespace ha::test;

TEST_CASE("zookeeper: every process in ZooKeeper mode holds exactly one "
          "session",
          "[zookeeper][system]") {
  standalone_zookeeper server;
  REQUIRE(server.pid() > 0);
  temp_dir dir;
  auto config = dir.str() + "/zk.yaml";
  std::ofstream{config}
    << "high-availability: zookeeper\n"
    << "high-availability.storageDir: " << dir.str() << "/storage\n"
    << "high-availability.zookeeper.quorum: " << server.quorum() << "\n"
    << "high-availability.zookeeper.path.root: /sessions\n"
    << "high-availability.zookeeper.client.connection-timeout: 5000\n";
  CHECK(zookeeper_sessions(server.quorum()) == 0);
  auto leader = hactl_zk(config, {"contend", "dispatcher", "--address",
                                  "master-a:6123"});
  await_event(*leader, "confirmed", 30s);
  CHECK(zookeeper_sessions(server.quorum()) == 1);
  // The confirmation is printed before the leader node is written: the
  // watcher may first see "no leader". A third line keeps it running while
  // the sessions are counted.
  auto watcher = hactl_zk(config, {"leader", "watch", "dispatcher",
                                   "--count", "3", "--timeout-ms", "60000"});
  std::string address;
  for (int i = 0; i < 2 && address != "master-a:6123"; ++i)
    address = next_event(*watcher, 30s)["address"];
  CHECK(address == "master-a:6123");
  CHECK(zookeeper_sessions(server.quorum()) == 2);
  watcher->signal(SIGTERM);
  CHECK(watcher->wait(30s));
  leader->signal(SIGTERM);
  CHECK(leader->wait(30s) == 0);
  // The server drops a closed connection from its list a moment later.
  CHECK(await_zookeeper_sessions(server.quorum(), 0, 10s) == 0);
}
