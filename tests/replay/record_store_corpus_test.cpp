// Records the store scenarios of the replay corpus (tests/replay/*.journal)
// from real runs: ha-node processes in sqlite mode with `ha.journal.path`,
// driven by hactl. Hidden from normal runs, like record_corpus_test.cpp:
// `ha_tests "[.record-corpus]"` records the whole corpus from scratch. Each
// recording is replayed at once, so a recording that does not replay is
// never kept.

#include <csignal>
#include <fstream>

#include <catch2/catch.hpp>

#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/journal/replay.hpp"
#include "tests/support/cluster.hpp"

using namespace ha;
using namespace ha::test;

namespace {

/// One scenario's journal, written by the ha-nodes it starts into a scratch
/// file that replaces the corpus journal only once it replays.
struct recording {
  std::string target;
  temp_dir storage;
  std::string path = (storage.path() / "journal.jsonl").string();

  explicit recording(const std::string& name)
    : target(std::string{CAF_HA_SOURCE_DIR} + "/tests/replay/" + name
             + ".journal") {
    // nop
  }

  /// An ha-node journaling into this recording as `node` (empty: the only
  /// process), on the scenario's shared storage directory.
  std::unique_ptr<running_node> start(const std::string& node = {}) {
    std::vector<std::string> args{"-D", "ha.journal.path=" + path};
    if (!node.empty())
      append_to(args, {"-D", "ha.journal.node=" + node});
    return std::make_unique<running_node>(args, storage.str());
  }

  /// A file of `bytes` in the storage directory.
  std::string file(const std::string& name, const std::string& bytes) {
    auto result = (storage.path() / name).string();
    std::ofstream out{result, std::ios::binary};
    out << bytes;
    return result;
  }

  /// Stops `nodes` (SIGTERM, so that every record is written), checks that
  /// the journal replays and puts it into the corpus.
  void finish(std::vector<std::unique_ptr<running_node>*> nodes) {
    for (auto* node : nodes) {
      (*node)->process->signal(SIGTERM);
      REQUIRE((*node)->process->wait(10s) == 0);
      node->reset();
    }
    auto contents = read_journal(path);
    REQUIRE(contents);
    CHECK_FALSE(contents->torn_tail);
    auto result = replay_journal(contents->records);
    REQUIRE(result);
    INFO(path);
    if (result->divergence)
      FAIL("diverged at " << result->divergence->index << ": expected "
                          << result->divergence->expected << ", got "
                          << result->divergence->got);
    REQUIRE(write_journal(target, contents->records) == caf::none);
  }

  static void append_to(std::vector<std::string>& xs,
                        std::vector<std::string> ys) {
    xs.insert(xs.end(), ys.begin(), ys.end());
  }
};

/// The text of hactl's error for `args`, which must fail.
std::string hactl_error(const std::string& endpoint,
                        std::vector<std::string> args) {
  auto proc = hactl(endpoint, std::move(args));
  REQUIRE(proc->wait(20s) == 1);
  return proc->error_output();
}

/// A dispatcher leader of the recorded node: its epoch fences writes.
struct dispatcher_leader {
  std::unique_ptr<child_process> process;
  std::string epoch;

  dispatcher_leader(const std::string& endpoint, const std::string& address)
    : process(hactl(endpoint, {"contend", "dispatcher", "--address",
                               address})) {
    epoch = std::to_string(await_event(*process, "confirmed")["epoch"]
                             .get<uint64_t>());
  }

  std::string fence() const {
    return "dispatcher:" + epoch;
  }

  /// Leaves the election (SIGTERM), so that the next contender leads.
  void leave() {
    process->signal(SIGTERM);
    REQUIRE(process->wait(10s) == 0);
  }
};

} // namespace

TEST_CASE("record: job graph add and remove seen by a second process",
          "[.record-corpus]") {
  recording rec{"job_graph_add_remove_second_process"};
  auto a = rec.start("a");
  auto b = rec.start("b");
  auto watcher = hactl(b->endpoint, {"jobs", "watch", "--count", "2",
                                     "--timeout-ms", "20000"});
  REQUIRE(next_event(*watcher)["event"] == "watching");
  auto graph = rec.file("graph.bin", "opaque job graph bytes");
  hactl_lines(a->endpoint,
              {"jobs", "put", graph, "--job-id", job_hex(7), "--name", "seven"});
  CHECK(next_event(*watcher, 20s)["event"] == "job_added");
  auto seen = hactl_lines(b->endpoint, {"jobs", "get", job_hex(7)});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0]["name"] == "seven");
  hactl_lines(a->endpoint, {"jobs", "remove", job_hex(7)});
  CHECK(next_event(*watcher, 20s)["event"] == "job_removed");
  REQUIRE(watcher->wait(10s) == 0);
  CHECK(hactl_lines(b->endpoint, {"jobs", "list"}).empty());
  CHECK_THAT(hactl_error(b->endpoint, {"jobs", "get", job_hex(7)}),
             Catch::Contains("no job graph"));
  rec.finish({&a, &b});
}

TEST_CASE("record: job result from dirty to clean", "[.record-corpus]") {
  recording rec{"job_result_dirty_to_clean"};
  auto node = rec.start();
  auto& at = node->endpoint;
  dispatcher_leader old_leader{at, "a:1"};
  hactl_lines(at, {"results", "create-dirty", job_hex(3), "--status",
                   "FAILED", "--fence", old_leader.fence()});
  auto dirty = hactl_lines(at, {"results", "list", "--dirty"});
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0]["state"] == "dirty");
  CHECK_THAT(hactl_error(at, {"results", "create-dirty", job_hex(3),
                              "--status", "SUCCEEDED"}),
             Catch::Contains("already"));
  old_leader.leave();
  dispatcher_leader new_leader{at, "b:1"};
  CHECK_THAT(hactl_error(at, {"results", "mark-clean", job_hex(3), "--fence",
                              old_leader.fence()}),
             Catch::Contains("fenced"));
  hactl_lines(at, {"results", "mark-clean", job_hex(3), "--fence",
                   new_leader.fence()});
  CHECK(hactl_lines(at, {"results", "list", "--dirty"}).empty());
  auto clean = hactl_lines(at, {"results", "list", "--clean"});
  REQUIRE(clean.size() == 1);
  CHECK(clean[0]["state"] == "clean");
  CHECK_THAT(hactl_error(at, {"results", "mark-clean", job_hex(4)}),
             Catch::Contains("no job result"));
  new_leader.leave();
  rec.finish({&node});
}

TEST_CASE("record: checkpoint retention", "[.record-corpus]") {
  recording rec{"checkpoint_retention"};
  auto node = rec.start();
  auto& at = node->endpoint;
  auto meta = rec.file("checkpoint.bin", "checkpoint metadata");
  for (int id = 1; id <= 4; ++id) {
    auto next = hactl_lines(at, {"counter", "next", job_hex(5)});
    REQUIRE(next.size() == 1);
    hactl_lines(at, {"checkpoints", "add", job_hex(5), "--id",
                     std::to_string(id), "--file", meta, "--retain", "2"});
  }
  dispatcher_leader old_leader{at, "a:1"};
  old_leader.leave();
  dispatcher_leader new_leader{at, "b:1"};
  hactl_lines(at, {"checkpoints", "add", job_hex(5), "--id", "5", "--file",
                   meta, "--retain", "2", "--fence", new_leader.fence()});
  CHECK_THAT(hactl_error(at, {"checkpoints", "add", job_hex(5), "--id", "6",
                              "--file", meta, "--retain", "2", "--fence",
                              old_leader.fence()}),
             Catch::Contains("fenced"));
  auto kept = hactl_lines(at, {"checkpoints", "list", job_hex(5)});
  REQUIRE(kept.size() == 2);
  CHECK(kept[0]["checkpoint_id"] == 4);
  CHECK(kept[1]["checkpoint_id"] == 5);
  new_leader.leave();
  rec.finish({&node});
}

TEST_CASE("record: blob put, get and remove", "[.record-corpus]") {
  recording rec{"blob_put_get_remove"};
  auto node = rec.start();
  auto& at = node->endpoint;
  auto content = std::string(3000, 'x') + "end of blob";
  auto blob = rec.file("blob.bin", content);
  auto put = hactl_lines(at, {"blobs", "put", blob, "--job-id", job_hex(9)});
  REQUIRE(put.size() == 1);
  auto key = put[0]["key"].get<std::string>();
  auto out = (rec.storage.path() / "out.bin").string();
  hactl_lines(at, {"blobs", "get", key, "--job-id", job_hex(9), "--out", out});
  std::ifstream in{out, std::ios::binary};
  CHECK(std::string{std::istreambuf_iterator<char>{in}, {}} == content);
  hactl_lines(at, {"blobs", "remove", key, "--job-id", job_hex(9)});
  CHECK_THAT(hactl_error(at, {"blobs", "get", key, "--job-id", job_hex(9),
                              "--out", out + ".2"}),
             Catch::Contains("not found"));
  hactl_lines(at, {"blobs", "put", blob, "--job-id", job_hex(9)});
  hactl_lines(at, {"blobs", "remove-all", job_hex(9)});
  rec.finish({&node});
}
