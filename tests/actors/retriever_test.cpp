// The rules of leader retrieval, driven by messages through a
// retriever on the memory arbiter, under CAF's deterministic scheduler.

#include "caf_ha/actors/retriever.hpp"

#include <boost/uuid/random_generator.hpp>

#include "caf_ha/backends/memory/memory_election.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/inbox_spy.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr const char* rest = "rest";

struct retrieval_fixture : actor_fixture {
  std::shared_ptr<inbox_spy> arbiter = std::make_shared<inbox_spy>();
  retriever_impl retriever
    = keep(spawn_retriever(sys, retriever_config{rest, arbiter}));
  boost::uuids::random_generator gen;

  void join(const recorder<listener_actor>& l) {
    ask<caf::ok_atom>(retriever, join_atom::value, l.handle);
  }

  /// Makes candidate `id` the leader and publishes `address` for it, as an
  /// elector would after a confirmation.
  leader_info lead(uint64_t id, const std::string& address) {
    auto events = caf::actor_cast<election_events_actor>(self);
    arbiter->join(rest, id, {}, events);
    leader_info info{address, gen(), 0};
    self->receive([&](granted_atom, uint64_t, epoch_t epoch) {
      info.epoch = epoch;
    });
    arbiter->publish(rest, id, info);
    run();
    return info;
  }
};

} // namespace

TEST_CASE_METHOD(retrieval_fixture,
                 "a listener gets 'no leader' at once when nobody leads") {
  auto l = make_listener();
  join(l);
  REQUIRE(l.log->size() == 1);
  CHECK(l.last().kind == "leader");
  CHECK(l.last().component == rest);
  CHECK(l.last().info.empty());
  CHECK(l.last().info.session.is_nil());
  CHECK(l.last().info.epoch == 0);
}

TEST_CASE_METHOD(retrieval_fixture,
                 "listeners get every change in order") {
  auto l = make_listener();
  join(l);
  auto first = lead(1, "a:1");
  arbiter->leave(rest, 1);
  auto second = lead(2, "b:1");
  REQUIRE(l.log->size() == 4);
  CHECK((*l.log)[1].info.address == "a:1");
  CHECK((*l.log)[1].info.session == first.session);
  CHECK((*l.log)[2].info.empty());
  CHECK((*l.log)[3].info.address == "b:1");
  CHECK((*l.log)[3].info.epoch == second.epoch);
  CHECK(second.epoch > first.epoch);
}

TEST_CASE_METHOD(retrieval_fixture,
                 "the same leader published twice is reported once") {
  auto l = make_listener();
  join(l);
  auto info = lead(1, "a:1");
  arbiter->publish(rest, 1, info);
  run();
  CHECK(l.log->size() == 2);
}

TEST_CASE_METHOD(retrieval_fixture,
                 "a listener joining late gets only the current leader") {
  lead(1, "a:1");
  arbiter->leave(rest, 1);
  lead(2, "b:1");
  auto l = make_listener();
  join(l);
  REQUIRE(l.log->size() == 1);
  CHECK(l.last().info.address == "b:1");
}

TEST_CASE_METHOD(retrieval_fixture,
                 "a listener that leaves or terminates is told nothing more") {
  auto leaving = make_listener();
  auto dying = make_listener();
  auto staying = make_listener();
  join(leaving);
  join(dying);
  join(staying);
  ask<caf::ok_atom>(retriever, leave_atom::value, leaving.handle);
  kill(dying.handle.address());
  lead(1, "a:1");
  CHECK(leaving.log->size() == 1);
  CHECK(dying.log->size() == 1);
  CHECK(staying.log->size() == 2);
}

TEST_CASE_METHOD(retrieval_fixture,
                 "a retrieval error reaches every listener") {
  auto a = make_listener();
  auto b = make_listener();
  join(a);
  join(b);
  self->send(arbiter->retriever_inbox, retrieval_error_atom::value,
             std::string{rest},
             make_error(errc::backend_unavailable, "test backend lost"));
  run();
  CHECK(a.last().kind == "retrieval_error");
  CHECK(is(a.last().err, errc::backend_unavailable));
  CHECK(b.last().kind == "retrieval_error");
}

TEST_CASE_METHOD(retrieval_fixture, "joining twice fails") {
  auto l = make_listener();
  join(l);
  auto again = ask_expected<caf::ok_atom>(retriever, join_atom::value,
                                          l.handle);
  REQUIRE_FALSE(again);
  CHECK(is(again.error(), errc::already_exists));
  CHECK(l.log->size() == 1);
}

TEST_CASE_METHOD(retrieval_fixture,
                 "leader updates sent to the retriever's own handle are "
                 "dropped") {
  auto l = make_listener();
  join(l);
  auto real = lead(1, "a:1");
  leader_info evil{"tcp://evil:1", gen(), 999};
  self->send(retriever, leader_atom::value, std::string{rest}, evil);
  self->send(retriever, retrieval_error_atom::value, std::string{rest},
             make_error(errc::backend_unavailable, "forged"));
  run();
  CHECK(l.last().kind == "leader");
  CHECK(l.last().info.address == "a:1");
  CHECK(ask<leader_info>(retriever, caf::get_atom::value).same_leader(real));
}

TEST_CASE_METHOD(retrieval_fixture,
                 "a retriever that ends leaves no state behind in the "
                 "arbiter") {
  job_id job;
  job.bytes[0] = 42;
  run(); // the fixture's retriever subscribes when it starts
  auto before = arbiter->tracked_components();
  auto other = spawn_retriever(
    sys, retriever_config{component::job_manager(job), arbiter});
  run();
  CHECK(arbiter->tracked_components() == before + 1);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  run();
  CHECK(arbiter->tracked_components() == before);
}
