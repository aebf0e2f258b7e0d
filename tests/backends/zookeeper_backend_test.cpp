// The ZooKeeper backend on a real server: connection errors, the election
// driver's epochs and publication rules, and cleanup. The store contract
// runs against it in metadata_store_contract_test.cpp.

#include <chrono>

#include <catch2/catch.hpp>

#include "backends/factory.hpp"
#include "backends/zookeeper/zk_connection.hpp"
#include "config/config.hpp"
#include "messages/errors.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zookeeper_server.hpp"

using namespace ha;
using namespace ha::test;

TEST_CASE("zookeeper: an unreachable quorum fails with backend_unavailable "
          "naming the quorum",
          "[zookeeper]") {
  // Port 1 on loopback: nothing listens there.
  auto cfg = config::load(
    "", {"high-availability=zookeeper", "high-availability.storageDir=/tmp",
         "high-availability.zookeeper.quorum=127.0.0.1:1",
         "high-availability.zookeeper.client.connection-timeout=300",
         "high-availability.zookeeper.client.retry-wait=100",
         "high-availability.zookeeper.client.max-retry-attempts=1"});
  REQUIRE(cfg);
  auto be = make_backend(*cfg);
  REQUIRE_FALSE(be);
  CHECK(be.error().category() == error_category);
  CHECK(static_cast<errc>(be.error().code()) == errc::backend_unavailable);
  CHECK_THAT(describe(be.error()), Catch::Contains("127.0.0.1:1"));
}

TEST_CASE("zookeeper: a bad revoke-on-suspend value is a config error",
          "[zookeeper][config]") {
  auto cfg = config::load(
    "", {"high-availability.zookeeper.client.revoke-on-suspend=maybe"});
  REQUIRE_FALSE(cfg);
  CHECK_THAT(describe(cfg.error()), Catch::Contains("revoke-on-suspend"));
}

TEST_CASE("zookeeper: cleanup deletes the cluster's nodes and no other "
          "cluster's",
          "[zookeeper]") {
  zk_settings settings;
  settings.quorum = zookeeper_quorum();
  settings.root = unique_zookeeper_root();
  settings.connection_timeout = std::chrono::milliseconds{5000};
  auto conn = zk_connection::open(settings);
  REQUIRE(conn);
  auto& zk = **conn;
  auto keep = settings.root + "/other/jobgraphs/x";
  REQUIRE(zk.ensure_path(keep) == zk_rc::ok);
  REQUIRE(zk.ensure_path(settings.cluster_path() + "/results/y") == zk_rc::ok);
  temp_dir storage;
  auto cfg = config::load(
    "", {"high-availability=zookeeper",
         "high-availability.storageDir=" + storage.str(),
         "high-availability.zookeeper.quorum=" + settings.quorum,
         "high-availability.zookeeper.path.root=" + settings.root});
  REQUIRE(cfg);
  auto be = make_backend(*cfg);
  REQUIRE(be);
  CHECK_FALSE(be->remove_all_files());
  CHECK(zk.exists(settings.cluster_path()) == zk_rc::no_node);
  CHECK(zk.exists(keep) == zk_rc::ok);
  zk.remove_recursive(settings.root);
}
