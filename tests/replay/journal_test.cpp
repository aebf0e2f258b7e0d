// The journal file (actors/journal/journal.hpp) and the replay's verdicts
// (actors/journal/replay.hpp): what a reader accepts, and that a changed recording
// is reported at the first message that differs.

#include "caf_ha/actors/journal/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "caf_ha/actors/blob_store.hpp"
#include "caf_ha/actors/journal/journal_hook.hpp"
#include "caf_ha/actors/journal/replay.hpp"
#include "caf_ha/actors/journal/store_journal.hpp"
#include "caf_ha/messages/blob_store.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "caf_ha/backends/file/file_blob_storage.hpp"
#include "caf_ha/messages/hex.hpp"
#include "tests/support/hostile_bytes.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ha;

namespace {

journal_record make_record(const std::string& kind, journal_fields fields) {
  journal_record x;
  x.actor = "elector/dispatcher";
  x.direction = "in";
  x.peer = "client#1";
  x.kind = kind;
  x.fields = std::move(fields);
  return x;
}

std::string read_all(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
}

std::string corpus(const std::string& name) {
  return std::string{CAF_HA_SOURCE_DIR} + "/tests/replay/" + name
         + ".journal";
}

} // namespace

TEST_CASE("a journal whose disk does not keep up drops records instead of "
          "queueing them without bound") {
  test::temp_dir dir;
  auto path = dir.str() + "/journal.fifo";
  REQUIRE(mkfifo(path.c_str(), 0600) == 0);
  // Holds the FIFO open without reading it: once the pipe is full, the
  // journal's writer thread blocks, as on a disk that stopped.
  int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  constexpr size_t max_queued = 8;
  constexpr size_t appended = 2000;
  auto sink = journal::open(path, {}, max_queued);
  REQUIRE(sink);
  auto record = make_record("leadership", {{"session", "x"}});
  for (size_t i = 0; i < appended; ++i)
    (*sink)->append(record);
  // At most a pipe full of lines, the line in the writer's hands and the
  // queue got through; everything else was dropped.
  auto line_size = to_json_line(record).size() + 1;
  auto pipe_lines = static_cast<size_t>(fcntl(reader, F_GETPIPE_SZ))
                    / line_size;
  CHECK((*sink)->dropped() >= appended - pipe_lines - 1 - max_queued);
  CHECK((*sink)->dropped() < appended);
  // Drains the pipe so that the writer can finish and the journal close.
  fcntl(reader, F_SETFL, 0);
  std::thread drain{[reader] {
    char buf[4096];
    while (::read(reader, buf, sizeof(buf)) > 0)
      ;
  }};
  sink->reset();
  drain.join();
  ::close(reader);
}

TEST_CASE("a journal file reads back every record appended to it") {
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  {
    auto sink = journal::open(path);
    REQUIRE(sink);
    (*sink)->append(make_record("leadership", {{"session", "x"}}));
    (*sink)->append(make_record("get", {}));
  }
  auto back = read_journal(path);
  REQUIRE(back);
  CHECK_FALSE(back->torn_tail);
  REQUIRE(back->records.size() == 2);
  CHECK(back->records[0].index == 1);
  CHECK(back->records[0].field("session") == "x");
  CHECK(back->records[1].kind == "get");
  // Opening again appends after what is there.
  {
    auto sink = journal::open(path);
    REQUIRE(sink);
    (*sink)->append(make_record("get", {}));
  }
  CHECK(read_journal(path)->records.size() == 3);
}

TEST_CASE("a torn last record is dropped, a broken one before it is an "
          "error") {
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  REQUIRE_FALSE(write_journal(path, {make_record("get", {}),
                                     make_record("get", {})}));
  auto whole = read_all(path);
  write_all(path, whole.substr(0, whole.size() - 10));
  auto torn = read_journal(path);
  REQUIRE(torn);
  CHECK(torn->torn_tail);
  CHECK(torn->records.size() == 1);
  write_all(path, whole.substr(0, whole.size() - 10) + "\n"
                    + to_json_line(make_record("get", {})) + "\n");
  auto broken = read_journal(path);
  REQUIRE_FALSE(broken);
  CHECK(is(broken.error(), errc::corrupted));
}

TEST_CASE("a journal of another version is refused, not misread") {
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  write_all(path, "{\"format\":\"caf-ha-journal\",\"version\":2}\n");
  auto back = read_journal(path);
  REQUIRE_FALSE(back);
  CHECK(is(back.error(), errc::corrupted));
  CHECK_FALSE(journal::open(path));
}

TEST_CASE("a record holding bytes that are not UTF-8 is journaled with "
          "U+FFFD in their place, in a file and in memory alike") {
  // A peer chooses addresses and names; JSON refuses such bytes, and the
  // write used to throw out of the journaling actor's handler.
  const std::string replacement = "\xEF\xBF\xBD";
  auto record = make_record("confirm", {{"address", "master-\xff:1"}});
  record.peer = "contender#\xc3";
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  {
    auto sink = journal::open(path);
    REQUIRE(sink);
    (*sink)->append(record);
  }
  auto back = read_journal(path);
  REQUIRE(back);
  REQUIRE(back->records.size() == 1);
  CHECK(back->records[0].field("address") == "master-" + replacement + ":1");
  CHECK(back->records[0].peer == "contender#" + replacement);
  auto memory = journal::in_memory([] { return int64_t{1}; });
  memory->append(record);
  REQUIRE(memory->records().size() == 1);
  CHECK(same_message(memory->records()[0], back->records[0]));
}

TEST_CASE("a journal whose header or records hold values of the wrong type "
          "is corrupted, never a crash") {
  // A string where a string belongs threw out of the reader; a float where
  // an integer belongs was converted with undefined behaviour.
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  const std::string header = R"({"format":"caf-ha-journal","version":1})";
  const std::string fields
    = R"("actor":"a","dir":"in","peer":"p","kind":"k","fields":[]})";
  for (auto text :
       {std::string{R"({"format":1,"version":1})"},
        std::string{R"({"format":"caf-ha-journal","version":1e300})"},
        std::string{R"({"format":"caf-ha-journal","version":"1"})"},
        header + "\n" + R"({"i":1e300,"t":1,)" + fields + "\n",
        header + "\n" + R"({"i":1,"t":-1.5,)" + fields + "\n"}) {
    CAPTURE(text);
    write_all(path, text);
    auto back = read_journal(path);
    REQUIRE_FALSE(back);
    CHECK(is(back.error(), errc::corrupted));
  }
}

TEST_CASE("a journaled message announcing more bytes than it holds is "
          "corrupted, and nothing allocates them") {
  caf::actor_system_config cfg;
  register_types(cfg);
  caf::actor_system sys{cfg};
  std::string text;
  auto bytes = test::chunk_claiming(sys, 0xffffffff);
  hex::append(text, reinterpret_cast<const uint8_t*>(bytes.data()),
              bytes.size());
  auto before = test::peak_rss_mib();
  auto msg = message_from(sys, {{"bytes", text}});
  CHECK(test::peak_rss_mib() - before < 256);
  REQUIRE_FALSE(msg);
  CHECK(is(msg.error(), errc::corrupted));
}

TEST_CASE("peers keep the name they were first given") {
  auto sink = journal::in_memory([] { return 0; });
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = sys.spawn([] { return caf::behavior{[](int) {}}; });
  auto b = sys.spawn([] { return caf::behavior{[](int) {}}; });
  CHECK(sink->name_of(a.address(), "contender") == "contender#1");
  CHECK(sink->name_of(b.address(), "listener") == "listener#1");
  CHECK(sink->name_of(a.address(), "client") == "contender#1");
  caf::anon_send_exit(a, caf::exit_reason::kill);
  caf::anon_send_exit(b, caf::exit_reason::kill);
}

TEST_CASE("the corpus replays, and a changed recording diverges at the "
          "first changed message") {
  auto contents = read_journal(corpus("stale_confirmation_ignored"));
  REQUIRE(contents);
  auto ok = replay_journal(contents->records);
  REQUIRE(ok);
  CHECK_FALSE(ok->divergence);
  CHECK(ok->messages == contents->records.size());
  // Pretend the recorded elector had accepted the stale confirmation.
  auto changed = contents->records;
  auto reply = std::find_if(changed.begin(), changed.end(), [](auto& x) {
    return x.kind == "reply" && x.field("value") == "false";
  });
  REQUIRE(reply != changed.end());
  reply->fields = {{"value", "true"}};
  auto diff = replay_journal(changed);
  REQUIRE(diff);
  REQUIRE(diff->divergence);
  CHECK(diff->divergence->index == reply->index);
  CHECK(diff->divergence->expected.find("value=true") != std::string::npos);
  CHECK(diff->divergence->got.find("value=false") != std::string::npos);
}

TEST_CASE("processes sharing a journal file are told apart by node name") {
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  {
    auto a = journal::open(path, "a");
    auto b = journal::open(path, "b");
    REQUIRE(a);
    REQUIRE(b);
    journal_hook{*a, "job_graph_store"}.in("client#1", "get");
    journal_hook{*b, "job_graph_store"}.in("client#1", "get");
    journal_hook{*a, "job_graph_store"}.out("client#1", "reply");
  }
  auto back = read_journal(path);
  REQUIRE(back);
  REQUIRE(back->records.size() == 3);
  // Each writer counts from 1; a reader numbers records by position.
  CHECK(back->records[2].index == 3);
  std::vector<std::string> actors;
  for (auto& x : back->records)
    actors.push_back(x.actor);
  CHECK_THAT(actors, Catch::Matchers::UnorderedEquals(std::vector<std::string>{
                       "job_graph_store@a", "job_graph_store@b",
                       "job_graph_store@a"}));
  CHECK(read_all(path).rfind("{\"format\"", 0) == 0);
}

TEST_CASE("a changed store recording diverges at the changed reply") {
  auto contents = read_journal(corpus("checkpoint_retention"));
  REQUIRE(contents);
  // Pretend the recorded store had kept every checkpoint.
  auto changed = contents->records;
  auto reply = std::find_if(changed.begin(), changed.end(), [](auto& x) {
    return x.actor == "checkpoint_store" && x.kind == "reply"
           && x.field("message").find("completed_checkpoint")
                != std::string::npos
           && x.field("message").rfind("([", 0) == 0;
  });
  REQUIRE(reply != changed.end());
  reply->fields = {{"message", "([])"}};
  auto diff = replay_journal(changed);
  REQUIRE(diff);
  REQUIRE(diff->divergence);
  CHECK(diff->divergence->index == reply->index);
  CHECK(diff->divergence->got.find("completed_checkpoint")
        != std::string::npos);
}

TEST_CASE("a replayed store journal names the input it cannot decode") {
  auto contents = read_journal(corpus("job_result_dirty_to_clean"));
  REQUIRE(contents);
  auto changed = contents->records;
  auto input = std::find_if(changed.begin(), changed.end(), [](auto& x) {
    return x.actor == "job_result_store" && x.direction == "in"
           && !x.field("bytes").empty();
  });
  REQUIRE(input != changed.end());
  for (auto& [key, value] : input->fields)
    if (key == "bytes")
      value = value.substr(0, value.size() / 2);
  auto result = replay_journal(changed);
  REQUIRE_FALSE(result);
  CHECK(is(result.error(), errc::corrupted));
  CHECK_THAT(describe(result.error()),
             Catch::Contains("journal record " + std::to_string(input->index)));
}

TEST_CASE("an empty journal file gets its header when opened") {
  test::temp_dir dir;
  auto path = dir.str() + "/j.jsonl";
  write_all(path, "");
  {
    auto sink = journal::open(path);
    REQUIRE(sink);
    (*sink)->append(make_record("get", {}));
  }
  auto back = read_journal(path);
  REQUIRE(back);
  CHECK(back->records.size() == 1);
}

TEST_CASE("a journal's blob put by path (a removed message) is refused by "
          "the replayed store") {
  test::temp_dir dir;
  auto source = dir.str() + "/on-this-host.bin";
  write_all(source, "bytes of this host");
  caf::actor_system_config cfg;
  register_types(cfg);
  caf::actor_system sys{cfg};
  auto msg = caf::make_message(caf::put_atom::value, job_id{},
                               blob_type::permanent, source);
  journal_record config;
  config.index = 1;
  config.actor = "blob_store";
  config.direction = "in";
  config.peer = "parent";
  config.kind = "config";
  config.fields = {{"root", "/recorded/blob"},
                   {"max_uploads_per_peer", "4"},
                   {"max_uploads", "64"}};
  journal_record put = config;
  put.index = 2;
  put.peer = "client#1";
  put.kind = "put";
  put.fields = message_fields(sys, msg.content(), true);
  auto result = replay_journal({config, put});
  REQUIRE(result);
  REQUIRE(result->divergence);
  // No handler takes it: the store neither journals nor answers it.
  CHECK(result->divergence->index == put.index);
  CHECK(result->divergence->got == "(nothing)");
}

namespace {

/// The journal of a blob store limited to one upload per peer that opened
/// two uploads, counted as the peers `a` and `b`.
std::vector<journal_record> two_peers_one_upload_each() {
  test::temp_dir dir;
  caf::actor_system_config cfg;
  register_types(cfg);
  caf::actor_system sys{cfg};
  auto sink = journal::in_memory([] { return int64_t{1}; });
  blob_store_config store_cfg;
  store_cfg.root = dir.str() + "/blob";
  store_cfg.storage = std::make_shared<file_blob_storage>();
  store_cfg.max_uploads_per_peer = 1;
  store_cfg.message_journal = sink;
  auto peers = std::make_shared<std::vector<std::string>>(
    std::vector<std::string>{"b", "a"});
  store_cfg.peer_of = [peers](const caf::strong_actor_ptr&) {
    auto peer = peers->back();
    peers->pop_back();
    return peer;
  };
  auto store = spawn_blob_store(sys, std::move(store_cfg));
  caf::scoped_actor self{sys};
  for (int i = 0; i < 2; ++i)
    self
      ->request(store, std::chrono::seconds(10), upload_atom::value,
                job_id{}, blob_type::permanent)
      .receive([](uint64_t) {},
               [](caf::error& err) { FAIL(describe(err)); });
  caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  self->wait_for(store);
  return sink->records();
}

} // namespace

TEST_CASE("a replayed blob store counts uploads against the recorded peers "
          "and limits") {
  auto records = two_peers_one_upload_each();
  auto same = replay_journal(records);
  REQUIRE(same);
  CHECK_FALSE(same->divergence);
  // Without the recorded peers both uploads come from the replay's own
  // node, and the second is refused.
  auto no_peers = records;
  no_peers.erase(std::remove_if(no_peers.begin(), no_peers.end(),
                                [](auto& x) { return x.kind == "peer"; }),
                 no_peers.end());
  auto refused = replay_journal(no_peers);
  REQUIRE(refused);
  CHECK(refused->divergence);
  auto errors = std::count_if(
    refused->produced.begin(), refused->produced.end(), [](auto& x) {
      return x.kind == "error"
             && describe(x).find("ha.blob.max-uploads-per-peer")
                  != std::string::npos;
    });
  CHECK(errors == 1);
}
