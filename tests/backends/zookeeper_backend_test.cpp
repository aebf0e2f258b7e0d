// The ZooKeeper backend on a real server: connection errors, the election
// driver's epochs and publication rules, cleanup and the creator ACL. The store contract
// runs against it in metadata_store_contract_test.cpp.

#include <chrono>
#include <fstream>

#include <catch2/catch.hpp>

#include "caf_ha/backends/factory.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_metadata_store.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zookeeper_server.hpp"

using namespace ha;
using namespace ha::test;

namespace {

/// The test server's settings under `root`.
zk_settings test_settings(const std::string& root) {
  zk_settings settings;
  settings.quorum = zookeeper_quorum();
  settings.root = root;
  settings.connection_timeout = std::chrono::milliseconds{5000};
  return settings;
}

} // namespace

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
  auto settings = test_settings(unique_zookeeper_root());
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

namespace {

/// A store on `root` of the shared test server, with the given ACL and
/// credentials.
std::unique_ptr<metadata_store> open_acl_store(const std::string& root,
                                               zk_acl acl,
                                               const std::string& auth,
                                               const temp_dir& payloads) {
  auto settings = test_settings(root);
  settings.acl = acl;
  settings.auth = auth;
  auto store = open_zk_metadata_store(settings, payloads.str());
  REQUIRE(store);
  return std::move(*store);
}

caf::error create_dirty(metadata_store& store, const job_result_entry& entry) {
  std::vector<write_op> ops{create_dirty_result_op{entry, {}}};
  return store.apply(ops).front();
}

void expect_permission_denied(const caf::error& err) {
  CHECK(is(err, errc::permission_denied));
  CHECK_THAT(describe(err), Catch::Contains("permission denied"));
}

} // namespace

TEST_CASE("zookeeper: the creator ACL without credentials is a config error "
          "naming the keys",
          "[zookeeper][config]") {
  auto cfg = config::load(
    "", {"high-availability=zookeeper", "high-availability.storageDir=/tmp",
         "high-availability.zookeeper.quorum=127.0.0.1:1",
         "high-availability.zookeeper.client.acl=creator"});
  REQUIRE(cfg);
  auto be = make_backend(*cfg);
  REQUIRE_FALSE(be);
  CHECK(is(be.error(), errc::invalid_config));
  CHECK_THAT(describe(be.error()),
             Catch::Contains("high-availability.zookeeper.client.acl")
               && Catch::Contains("high-availability.zookeeper.client.auth"));
}

TEST_CASE("zookeeper: bad credentials are config errors that never repeat "
          "the secret",
          "[zookeeper][config]") {
  auto no_user = config::load(
    "", {"high-availability.zookeeper.client.auth=:s3cret-value"});
  REQUIRE_FALSE(no_user);
  CHECK_THAT(describe(no_user.error()),
             Catch::Contains("client.auth")
               && !Catch::Contains("s3cret-value"));
  temp_dir dir;
  auto file = dir.str() + "/zk-auth";
  std::ofstream{file} << "no-colon-s3cret\n";
  auto cfg = config::load(
    "", {"high-availability=zookeeper", "high-availability.storageDir=/tmp",
         "high-availability.zookeeper.quorum=127.0.0.1:1",
         "high-availability.zookeeper.client.acl=creator",
         "high-availability.zookeeper.client.auth-file=" + file});
  REQUIRE(cfg);
  auto be = make_backend(*cfg);
  REQUIRE_FALSE(be);
  CHECK(is(be.error(), errc::invalid_config));
  CHECK_THAT(describe(be.error()),
             Catch::Contains(file) && !Catch::Contains("no-colon-s3cret"));
}

TEST_CASE("zookeeper: with the creator ACL, a client without the "
          "credentials gets permission denied, not data",
          "[zookeeper]") {
  auto root = unique_zookeeper_root();
  temp_dir payloads;
  job_result_entry entry;
  entry.id.bytes.fill(0x5a);
  entry.status = "FAILED";
  auto owner = open_acl_store(root, zk_acl::creator, "alice:secret", payloads);
  REQUIRE_FALSE(create_dirty(*owner, entry));
  SECTION("no credentials") {
    auto stranger = open_acl_store(root, zk_acl::open, "", payloads);
    auto listed = stranger->job_results(false);
    REQUIRE_FALSE(listed);
    expect_permission_denied(listed.error());
    CHECK_THAT(describe(listed.error()), Catch::Contains(root));
    auto read = stranger->job_result(entry.id);
    REQUIRE_FALSE(read);
    expect_permission_denied(read.error());
    auto other = entry;
    other.id.bytes[0] = 0x01;
    expect_permission_denied(create_dirty(*stranger, other));
  }
  SECTION("wrong password") {
    auto stranger = open_acl_store(root, zk_acl::creator, "alice:guess",
                                   payloads);
    auto read = stranger->job_result(entry.id);
    REQUIRE_FALSE(read);
    expect_permission_denied(read.error());
  }
  SECTION("the same credentials from another session read the data") {
    auto peer = open_acl_store(root, zk_acl::creator, "alice:secret",
                               payloads);
    auto read = peer->job_result(entry.id);
    REQUIRE(read);
    REQUIRE(*read);
    CHECK((*read)->status == "FAILED");
  }
  REQUIRE_FALSE(owner->clear());
}

TEST_CASE("zookeeper: a job graph node naming a file outside the payload "
          "directory reads as corrupted, and removing it leaves the file",
          "[zookeeper]") {
  auto settings = test_settings(unique_zookeeper_root());
  temp_dir storage;
  auto victim = storage.str() + "/victim";
  std::ofstream{victim} << "not the store's";
  auto store = open_zk_metadata_store(settings, storage.str() + "/payloads");
  REQUIRE(store);
  auto conn = zk_connection::open(settings);
  REQUIRE(conn);
  job_graph graph;
  graph.id = *parse_job_id("a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0");
  auto node = settings.cluster_path() + "/jobgraphs/" + to_string(graph.id);
  REQUIRE((*conn)->ensure_path(node) == zk_rc::ok);
  REQUIRE((*conn)->set(node, encode_graph_node(graph, "../victim"))
          == zk_rc::ok);
  auto read = (*store)->get_job_graph(graph.id);
  REQUIRE_FALSE(read);
  CHECK(is(read.error(), errc::corrupted));
  std::vector<write_op> remove{remove_job_graph_op{graph.id, {}}};
  CHECK_FALSE((*store)->apply(remove).front());
  CHECK(std::filesystem::exists(victim));
  CHECK((*conn)->exists(node) == zk_rc::no_node);
  (*conn)->remove_recursive(settings.root);
}

TEST_CASE("zookeeper: a counter node beyond uint64 reads as corrupted",
          "[zookeeper]") {
  // It ended the process before (std::stoull threw out of range).
  auto settings = test_settings(unique_zookeeper_root());
  temp_dir storage;
  auto store = open_zk_metadata_store(settings, storage.str());
  REQUIRE(store);
  auto conn = zk_connection::open(settings);
  REQUIRE(conn);
  auto job = *parse_job_id("a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a1");
  auto node = settings.cluster_path() + "/counters/" + to_string(job);
  REQUIRE((*conn)->ensure_path(node) == zk_rc::ok);
  REQUIRE((*conn)->set(node, "99999999999999999999") == zk_rc::ok);
  auto counter = (*store)->counter(job);
  REQUIRE_FALSE(counter);
  CHECK(is(counter.error(), errc::corrupted));
  (*conn)->remove_recursive(settings.root);
}
