// Multi-process: durable stores behind ha-node in sqlite mode, with kill -9,
// corrupted files and two nodes sharing one database.

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "caf_ha/messages/ids.hpp"
#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("kill -9 of ha-node while clients write: every acknowledged write "
          "is there after the restart", "[system]") {
  temp_dir storage;
  std::set<std::string> acknowledged;
  {
    running_node node{{}, storage.str()};
    std::vector<std::unique_ptr<child_process>> writers;
    constexpr int writer_count = 24;
    for (int i = 0; i < writer_count; ++i)
      writers.push_back(hactl(node.endpoint, {"results", "create-dirty",
                                              job_hex(i), "--status",
                                              "FAILED"}));
    // Let the first writer finish, then kill the node mid-stream.
    REQUIRE(writers[0]->wait(20s) == 0);
    node.process->signal(SIGKILL);
    REQUIRE(node.process->wait(10s));
    for (int i = 0; i < writer_count; ++i) {
      auto code = writers[i]->wait(30s);
      REQUIRE(code);
      if (*code == 0)
        acknowledged.insert(job_hex(i));
    }
  }
  REQUIRE_FALSE(acknowledged.empty());
  running_node restarted{{}, storage.str()};
  std::set<std::string> stored;
  for (auto& line : hactl_lines(restarted.endpoint,
                                {"results", "list", "--dirty"})) {
    CHECK(line["status"] == "FAILED");
    stored.insert(line["job_id"].get<std::string>());
  }
  for (auto& job : acknowledged)
    CHECK(stored.count(job) == 1);
}

TEST_CASE("a corrupted database makes ha-node refuse to start and leaves the "
          "file as it was", "[system]") {
  temp_dir storage;
  auto db = storage.path() / "default" / "metadata.db";
  std::filesystem::create_directories(db.parent_path());
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i)
    garbage[i] = static_cast<char>((i * 7919) % 251);
  {
    std::ofstream out{db, std::ios::binary};
    out << garbage;
  }
  child_process node{{binary("ha-node"), "-D", "ha.node.port=0", "-D",
                      "high-availability.storageDir=" + storage.str()}};
  CHECK(node.wait(20s) == 1);
  CHECK_THAT(node.error_output(), Catch::Contains("metadata.db"));
  CHECK(read_all(db) == garbage);
}

TEST_CASE("two ha-nodes on one database: a job graph put through one reaches "
          "the other's listener", "[system]") {
  temp_dir storage;
  running_node a{{}, storage.str()};
  running_node b{{}, storage.str()};
  auto watcher = hactl(b.endpoint, {"jobs", "watch", "--count", "1",
                                    "--timeout-ms", "20000"});
  CHECK(next_event(*watcher)["event"] == "watching");
  auto payload = storage.path() / "graph.bin";
  {
    std::ofstream out{payload, std::ios::binary};
    out << "opaque job graph bytes";
  }
  hactl_lines(a.endpoint, {"jobs", "put", payload.string(), "--job-id",
                           job_hex(7), "--name", "seven"});
  auto added = next_event(*watcher, 20s);
  CHECK(added["event"] == "job_added");
  CHECK(added["job_id"] == job_hex(7));
  CHECK(watcher->wait(10s) == 0);
  auto got = hactl_lines(b.endpoint, {"jobs", "get", job_hex(7)});
  REQUIRE(got.size() == 1);
  CHECK(got[0]["name"] == "seven");
}

TEST_CASE("two ha-nodes on one database never hand out a checkpoint id "
          "twice", "[system]") {
  temp_dir storage;
  running_node a{{}, storage.str()};
  running_node b{{}, storage.str()};
  std::vector<std::unique_ptr<child_process>> clients;
  constexpr int client_count = 16;
  for (int i = 0; i < client_count; ++i)
    clients.push_back(hactl(i % 2 == 0 ? a.endpoint : b.endpoint,
                            {"counter", "next", job_hex(1)}));
  std::set<uint64_t> ids;
  for (auto& client : clients) {
    auto ev = next_event(*client, 30s);
    ids.insert(ev["value"].get<uint64_t>());
    CHECK(client->wait(20s) == 0);
  }
  CHECK(ids.size() == client_count);
  CHECK(*ids.begin() == 1);
  CHECK(*ids.rbegin() == client_count);
}

TEST_CASE("ha-node ends on SIGTERM after remote clients used its stores",
          "[system]") {
  // A store actor sent to a remote client, or with a timer pending, used to
  // keep the actor system from shutting down in about one run of four, so
  // the test runs several.
  constexpr int runs = 6;
  for (int run = 0; run < runs; ++run) {
    temp_dir storage;
    running_node node{{}, storage.str()};
    auto blob = storage.path() / "blob.bin";
    {
      std::ofstream out{blob, std::ios::binary};
      out << "blob bytes " << run;
    }
    hactl_lines(node.endpoint, {"results", "list"});
    hactl_lines(node.endpoint, {"checkpoints", "list", job_hex(1)});
    hactl_lines(node.endpoint,
                {"blobs", "put", blob.string(), "--job-id", job_hex(1)});
    // Leaves the job graph store polling for a listener that is gone.
    auto watcher = hactl(node.endpoint, {"jobs", "watch", "--count", "1",
                                         "--timeout-ms", "200"});
    CHECK(next_event(*watcher)["event"] == "watching");
    auto code = watcher->wait(10s);
    REQUIRE(code);
    CHECK(*code != 0);
    node.process->signal(SIGTERM);
    INFO("run " << run);
    CHECK(node.process->wait(10s) == 0);
  }
}

TEST_CASE("two ha-nodes started at the same moment on a new storage "
          "directory both start", "[system]") {
  // The race (one node creating the database while the other opens it) is
  // a few milliseconds wide, so the test starts several pairs.
  constexpr int pairs = 4;
  for (int pair = 0; pair < pairs; ++pair) {
    INFO("pair " << pair);
    temp_dir storage;
    running_node a{{}, storage.str(), {}, running_node::deferred};
    running_node b{{}, storage.str(), {}, running_node::deferred};
    a.await_listening();
    b.await_listening();
    CHECK(hactl_lines(a.endpoint, {"jobs", "list"}).empty());
  }
}
