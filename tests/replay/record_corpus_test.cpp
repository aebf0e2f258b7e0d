// Records the replay corpus (tests/replay/*.journal): each scenario runs
// electors and retrievers on the memory arbiter with a journal file, as
// ha-node does with `ha.journal.path`. Hidden from normal runs: the corpus
// is recorded once and then only replayed; run
// `ha_tests "[.record-corpus]"` to record it from scratch, or
// `hactl replay --rerecord FILE` to accept a reviewed change of behaviour.

#include <cstdio>

#include <boost/uuid/random_generator.hpp>

#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/retriever.hpp"
#include "caf_ha/backends/memory/memory_election.hpp"
#include "tests/support/actor_fixture.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr const char* dispatcher = "dispatcher";

struct corpus_fixture : actor_fixture {
  std::shared_ptr<memory_election> arbiter
    = std::make_shared<memory_election>();
  boost::uuids::random_generator gen;
  std::shared_ptr<journal> sink;
  elector_impl elector;
  retriever_impl retriever;

  /// Time stands still: a drain waits for the recorded `drained`.
  bool trigger_timeout() override {
    return false;
  }

  /// Starts recording into tests/replay/<name>.journal, from scratch.
  void record(const std::string& name) {
    auto path = std::string{CAF_HA_SOURCE_DIR} + "/tests/replay/" + name
                + ".journal";
    std::remove(path.c_str());
    auto opened = journal::open(path);
    REQUIRE(opened);
    sink = *opened;
    elector = keep(spawn_elector(
      sys, {dispatcher, arbiter, [this] { return gen(); }, sink}));
    retriever = keep(spawn_retriever(sys, {dispatcher, arbiter, sink}));
    run();
  }

  recorder<contender_actor> join() {
    auto c = make_contender();
    ask<caf::ok_atom>(elector, join_atom::value, c.handle);
    return c;
  }

  /// A contender that declares `options`.
  recorder<contender_actor> join(contender_options options) {
    auto c = make_contender();
    ask<caf::ok_atom>(elector, join_atom::value, c.handle, std::move(options));
    return c;
  }

  recorder<listener_actor> listen() {
    auto l = make_listener();
    ask<caf::ok_atom>(retriever, join_atom::value, l.handle);
    return l;
  }

  bool confirm(const recorder<contender_actor>& c,
               const std::string& address) {
    return ask<bool>(elector, confirm_atom::value, c.last().info.session,
                     address);
  }
};

} // namespace

TEST_CASE_METHOD(corpus_fixture, "record: election with three contenders",
                 "[.record-corpus]") {
  record("election_three_contenders");
  auto l = listen();
  auto a = join();
  auto b = join();
  auto c = join();
  REQUIRE(confirm(a, "host-a:1"));
  CHECK(l.last().info.address == "host-a:1");
  CHECK(b.log->empty());
  CHECK(c.log->empty());
}

TEST_CASE_METHOD(corpus_fixture, "record: failover on contender death",
                 "[.record-corpus]") {
  record("failover_on_contender_death");
  auto l = listen();
  auto a = join();
  auto b = join();
  REQUIRE(confirm(a, "host-a:1"));
  kill(a.handle.address());
  REQUIRE(b.last().kind == "grant");
  REQUIRE(confirm(b, "host-b:1"));
  CHECK(l.last().info.address == "host-b:1");
}

TEST_CASE_METHOD(corpus_fixture, "record: stale confirmation ignored",
                 "[.record-corpus]") {
  record("stale_confirmation_ignored");
  auto l = listen();
  auto a = join();
  auto b = join();
  auto old_grant = a.last();
  ask<caf::ok_atom>(elector, leave_atom::value, a.handle);
  REQUIRE(b.last().kind == "grant");
  CHECK_FALSE(ask<bool>(elector, confirm_atom::value, old_grant.info.session,
                        std::string{"host-a:1"}));
  REQUIRE(confirm(b, "host-b:1"));
  CHECK(l.last().info.address == "host-b:1");
}

TEST_CASE_METHOD(corpus_fixture, "record: resign", "[.record-corpus]") {
  record("resign");
  auto l = listen();
  auto a = join();
  auto b = join();
  REQUIRE(confirm(a, "host-a:1"));
  REQUIRE(ask<bool>(elector, resign_atom::value, a.last().info.session));
  REQUIRE(b.last().kind == "grant");
  REQUIRE(confirm(b, "host-b:1"));
  CHECK(a.last().kind == "revoke");
  CHECK(l.last().info.address == "host-b:1");
}

TEST_CASE_METHOD(corpus_fixture, "record: listener joining late",
                 "[.record-corpus]") {
  record("listener_joining_late");
  auto a = join();
  REQUIRE(confirm(a, "host-a:1"));
  auto l = listen();
  REQUIRE(l.log->size() == 1);
  CHECK(l.last().info.address == "host-a:1");
  CHECK(ask<leader_info>(retriever, caf::get_atom::value).address
        == "host-a:1");
}

TEST_CASE_METHOD(corpus_fixture,
                 "record: transfer to a named contender that drains first",
                 "[.record-corpus]") {
  record("transfer");
  auto l = listen();
  auto a = join(contender_options{"host-a:1", 0, true});
  auto b = join(contender_options{"host-b:1"});
  auto c = join(contender_options{"host-c:1"});
  REQUIRE(confirm(a, "host-a:1"));
  auto refused = ask_expected<caf::ok_atom>(elector, transfer_atom::value,
                                            std::string{"host-x:1"});
  REQUIRE_FALSE(refused);
  REQUIRE(ask_expected<caf::ok_atom>(elector, transfer_atom::value,
                                     std::string{"host-c:1"}));
  REQUIRE(a.last().kind == "drain");
  REQUIRE(ask<bool>(elector, drained_atom::value, a.last().info.session));
  REQUIRE(c.last().kind == "grant");
  REQUIRE(confirm(c, "host-c:1"));
  CHECK(b.log->empty());
  CHECK(l.last().info.address == "host-c:1");
}

TEST_CASE_METHOD(corpus_fixture,
                 "record: fail-back to a contender of higher priority",
                 "[.record-corpus]") {
  arbiter->fail_back({dispatcher});
  record("fail_back");
  auto l = listen();
  auto a = join(contender_options{"host-a:1", 1, true});
  REQUIRE(confirm(a, "host-a:1"));
  auto same = join(contender_options{"host-s:1", 1});
  auto high = join(contender_options{"host-h:1", 5});
  REQUIRE(a.last().kind == "drain");
  REQUIRE(ask<bool>(elector, drained_atom::value, a.last().info.session));
  REQUIRE(high.last().kind == "grant");
  REQUIRE(confirm(high, "host-h:1"));
  CHECK(same.log->empty());
  CHECK(l.last().info.address == "host-h:1");
}
