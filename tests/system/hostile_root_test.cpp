// A hostile peer against the published root and the wire, over plain TCP
// and over mutual TLS with a valid certificate: no close or cleanup without
// the admin secret, messages outside the protocol refused and logged once
// per peer, CAF's actors unreachable by name, messages over the size limit
// dropped; and no plaintext on a network address.

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/hostile_cluster.hpp"

using namespace ha::test;
namespace fs = std::filesystem;

namespace {

const std::string job = "0123456789abcdef0123456789abcdef";

/// Stores a job graph, the data a refused cleanup must leave in place.
void put_job_graph(hostile_cluster& cluster, const temp_dir& dir) {
  auto graph = dir.path() / "graph";
  std::ofstream{graph} << "a job graph";
  cluster.hactl_lines({"jobs", "put", graph.string(), "--job-id", job});
}

bool job_graph_kept(hostile_cluster& cluster) {
  auto lines = cluster.hactl_lines({"jobs", "list"});
  return lines.size() == 1 && lines.front()["job_id"] == job;
}

std::string secret_file(const temp_dir& dir, const std::string& name,
                        const std::string& secret) {
  auto path = dir.path() / name;
  std::ofstream{path} << secret << "\n";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return path.string();
}

} // namespace

TEST_CASE("cleanup and close without the admin secret are refused and the "
          "node keeps its data",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  temp_dir dir;
  put_job_graph(cluster, dir);
  for (auto attack : {"cleanup", "close"}) {
    INFO(attack);
    // Without a secret the message is outside the protocol.
    CHECK(cluster.attack(attack)["outcome"] == "refused");
    auto report = cluster.attack(attack, {"--secret", "guessed"});
    CHECK(report["outcome"] == "refused");
    CHECK(report["code"] == "permission_denied");
  }
  CHECK(job_graph_kept(cluster));
  cluster.expect_served();
}

TEST_CASE("with ha.admin.secret-file only its secret cleans up: a wrong one "
          "is refused",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  temp_dir dir;
  auto right = secret_file(dir, "admin", "the-admin-secret");
  auto wrong = secret_file(dir, "wrong", "not-the-admin-secret");
  hostile_cluster cluster{mode, {"-D", "ha.admin.secret-file=" + right}};
  put_job_graph(cluster, dir);
  auto report = cluster.attack("cleanup", {"--secret", "not-the-admin-secret"});
  CHECK(report["outcome"] == "refused");
  CHECK(report["code"] == "permission_denied");
  auto refused = cluster.hactl({"-D", "ha.admin.secret-file=" + wrong,
                                "cleanup-all", "--yes"});
  CHECK(refused->wait(20s) == 1);
  CHECK_THAT(refused->error_output(), Catch::Contains("wrong admin secret"));
  CHECK(job_graph_kept(cluster));
  auto lines = cluster.hactl_lines({"-D", "ha.admin.secret-file=" + right,
                                    "cleanup-all", "--yes"});
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["event"] == "cleaned_up");
  // The services are gone, and so is the process that published them.
  CHECK(cluster.node().process->wait(10s) == 0);
}

TEST_CASE("messages outside the protocol are refused by every service and "
          "logged once per peer, not once per message",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  const std::string logged = "dropped a message outside its protocol";
  for (auto target : {"root", "elector", "retriever", "job_graphs", "blobs"}) {
    INFO("target " << target);
    auto before = cluster.log_lines_with(logged);
    auto report = cluster.attack("unexpected",
                                 {"--target", target, "--count", "100"});
    CHECK(report["outcome"] == "refused");
    CHECK(report["refused"] == 100);
    CHECK(report["code"] == "unexpected_message");
    CHECK(cluster.log_lines_with(logged) == before + 1);
  }
  // CAF's own default handler would print each one, content and all, as
  // "*** unexpected message" (to stdout, which a pipe buffers: not
  // countable here, hence the count of the services' own lines above).
  CHECK(cluster.log_lines_with("unexpected message") == 0);
  cluster.expect_served();
}

TEST_CASE("a message to CAF's actors by name drops the peer, the node serves "
          "on",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("named-actor", {"--name", "ConfigServ"});
  CHECK(report["outcome"] == "dropped");
  // The greeting's address with more than a greeting in it.
  report = cluster.attack("named-actor",
                          {"--name", "SpawnServ", "--size", "1000"});
  CHECK(report["outcome"] == "dropped");
  CHECK(cluster.log_lines_with("a message to an actor by name") == 2);
  cluster.expect_served();
}

TEST_CASE("a message with a forwarding stack drops the peer, the node "
          "serves on",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("forwarding-stack");
  CHECK(report["outcome"] == "dropped");
  CHECK(cluster.log_lines_with("a message with a forwarding stack") == 1);
  cluster.expect_served();
}

TEST_CASE("an exit, error, down, link or response message from a peer drops "
          "the peer, and the node and its elector serve on",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto real = cluster.hactl({"contend", "dispatcher", "--address", "a:1"});
  auto confirmed = await_event(*real, "confirmed");
  for (auto kind : {"exit", "error", "down", "link", "response"}) {
    INFO("kind " << kind);
    auto report = cluster.attack("system-message", {"--kind", kind});
    CHECK(report["outcome"] == "dropped");
  }
  CHECK(cluster.log_lines_with("a system message") == 3);
  // CAF's proxies ask for a link in a routed message.
  CHECK(cluster.log_lines_with("a message to be routed") == 1);
  CHECK(cluster.log_lines_with("a response or a stream message") == 1);
  // The elector survived every one of them: the leader still leads.
  CHECK(same_leader(cluster.leader(), confirmed));
  cluster.expect_served();
}

TEST_CASE("a store's own timer and batch messages from a peer are dropped "
          "and logged once per kind",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("store-internals", {"--count", "50"});
  CHECK(report["outcome"] == "served");
  CHECK(cluster.log_lines_with("that only it may send itself") == 3);
  cluster.expect_served();
}

TEST_CASE("a 10 MiB message to the root drops the peer as over the size "
          "limit, the node serves on",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("oversized", {"--size",
                                             std::to_string(10 << 20)});
  CHECK(report["outcome"] == "dropped");
  CHECK(cluster.log_lines_with("over the size limit") == 1);
  cluster.expect_served();
}

TEST_CASE("ha-node refuses to listen on a network address without TLS and "
          "binds nothing",
          "[hostile][system]") {
  temp_dir storage;
  child_process node{{binary("ha-node"), "-D", "ha.node.host=0.0.0.0", "-D",
                      "ha.node.port=0", "-D",
                      "high-availability.storageDir=" + storage.str()}};
  CHECK(node.wait(20s) == 1);
  CHECK_FALSE(node.read_line(0ms)); // no "listening" line
  auto text = node.error_output();
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  CHECK_THAT(text, Catch::Contains("ha.tls.certificate"));
  CHECK_THAT(text, Catch::Contains("ha.node.allow-plaintext"));
}

TEST_CASE("peers that come and go do not cost a leader its connection",
          "[hostile][system]") {
  // Any peer may connect, ask and leave: the node must keep serving the
  // others as before. Short heartbeats, so that a connection the node
  // stopped serving is noticed within a second.
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode, failure_detection_options()};
  auto real = cluster.hactl(append(failure_detection_options(),
                                   {"contend", "dispatcher", "--address",
                                    "a:1"}));
  auto confirmed = await_event(*real, "confirmed");
  for (int i = 0; i < 3; ++i)
    cluster.attack("huge-name", {"--size", "10"});
  // The leader must print nothing more (no "revoked", no "reconnected")
  // within three heartbeat timeouts: the absence of an event can only be
  // awaited for a bounded time.
  auto next = real->read_line(3 * heartbeat_timeout);
  INFO("stderr of the leader: " << real->error_output());
  CHECK_FALSE(next);
  CHECK(same_leader(cluster.leader(), confirmed));
}
