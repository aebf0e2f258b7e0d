// The rules of leader election, driven by messages through an
// elector on the memory arbiter, under CAF's deterministic scheduler.

#include "caf_ha/actors/elector.hpp"

#include <boost/uuid/random_generator.hpp>

#include "caf_ha/actors/retriever.hpp"
#include "caf_ha/backends/memory/memory_election.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/inbox_spy.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr const char* dispatcher = "dispatcher";

struct election_fixture : actor_fixture {
  std::shared_ptr<inbox_spy> arbiter = std::make_shared<inbox_spy>();
  std::shared_ptr<boost::uuids::random_generator> gen
    = std::make_shared<boost::uuids::random_generator>();

  elector_impl make_elector(const std::string& component = dispatcher) {
    auto g = gen;
    return keep(spawn_elector(
      sys, elector_config{component, arbiter, [g] { return (*g)(); }}));
  }

  retriever_impl make_retriever(const std::string& component = dispatcher) {
    return keep(spawn_retriever(sys, retriever_config{component, arbiter}));
  }

  void join(const elector_impl& elector, const recorder<contender_actor>& c) {
    ask<caf::ok_atom>(elector, join_atom::value, c.handle);
  }

  bool confirm(const elector_impl& elector, const session_id& session,
               const std::string& address) {
    return ask<bool>(elector, confirm_atom::value, session, address);
  }

  bool has_leadership(const elector_impl& elector, const session_id& s) {
    return ask<bool>(elector, leadership_atom::value, s);
  }

  leader_info published(const retriever_impl& retriever) {
    return ask<leader_info>(retriever, caf::get_atom::value);
  }
};

size_t count_kind(const record_log& log, const std::string& kind) {
  size_t n = 0;
  for (auto& r : *log)
    n += r.kind == kind ? 1 : 0;
  return n;
}

} // namespace

TEST_CASE_METHOD(election_fixture,
                 "the first contender is granted a fresh session and epoch 1") {
  auto elector = make_elector();
  auto a = make_contender();
  join(elector, a);
  REQUIRE(a.log->size() == 1);
  CHECK(a.last().kind == "grant");
  CHECK(a.last().component == dispatcher);
  CHECK_FALSE(a.last().info.session.is_nil());
  CHECK(a.last().info.epoch == 1);
  CHECK(has_leadership(elector, a.last().info.session));
}

TEST_CASE_METHOD(election_fixture,
                 "a confirmation with the empty address is refused and "
                 "publishes nothing: it would read as no leader") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto a = make_contender();
  join(elector, a);
  auto session = a.last().info.session;
  auto refused = ask_expected<bool>(elector, confirm_atom::value, session,
                                    std::string{});
  REQUIRE_FALSE(refused);
  CHECK(is(refused.error(), errc::invalid_argument));
  CHECK_THAT(describe(refused.error()), Catch::Contains("empty"));
  CHECK(published(retriever).empty());
  CHECK(has_leadership(elector, session));
  CHECK(confirm(elector, session, "host-a:1"));
}

TEST_CASE_METHOD(election_fixture,
                 "a confirmation with a control character or an overlong "
                 "address is refused and publishes nothing") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto a = make_contender();
  join(elector, a);
  auto session = a.last().info.session;
  for (auto& [address, why] :
       {std::pair<std::string, std::string>{"a:1\n\x1b[31mb:2",
                                            "control characters"},
        {std::string(max_leader_address + 1, 'a'), "at most 1024 bytes"}}) {
    auto refused = ask_expected<bool>(elector, confirm_atom::value, session,
                                      address);
    REQUIRE_FALSE(refused);
    CHECK(is(refused.error(), errc::invalid_argument));
    CHECK_THAT(describe(refused.error()), Catch::Contains(why));
  }
  CHECK(published(retriever).empty());
  CHECK(confirm(elector, session, std::string(max_leader_address, 'a')));
}

TEST_CASE_METHOD(election_fixture,
                 "a second contender waits without a grant") {
  auto elector = make_elector();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  CHECK(count_kind(a.log, "grant") == 1);
  CHECK(b.log->empty());
}

TEST_CASE_METHOD(election_fixture,
                 "a grant is published only after its confirmation") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto a = make_contender();
  join(elector, a);
  CHECK(published(retriever).empty());
  auto session = a.last().info.session;
  CHECK(confirm(elector, session, "host-a:1"));
  auto info = published(retriever);
  CHECK(info.address == "host-a:1");
  CHECK(info.session == session);
  CHECK(info.epoch == 1);
}

TEST_CASE_METHOD(election_fixture,
                 "a stale confirmation is ignored and never published") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  auto old_session = a.last().info.session;
  ask<caf::ok_atom>(elector, leave_atom::value, a.handle);
  REQUIRE(b.last().kind == "grant");
  auto new_session = b.last().info.session;
  CHECK(confirm(elector, new_session, "host-b:1"));
  CHECK_FALSE(confirm(elector, old_session, "host-a:1"));
  CHECK(published(retriever).address == "host-b:1");
  CHECK_FALSE(has_leadership(elector, old_session));
}

TEST_CASE_METHOD(election_fixture,
                 "has_leadership is true only for the current session") {
  auto elector = make_elector();
  auto a = make_contender();
  join(elector, a);
  auto session = a.last().info.session;
  CHECK(has_leadership(elector, session));
  CHECK_FALSE(has_leadership(elector, gen->operator()()));
  CHECK_FALSE(has_leadership(elector, nil_session_id()));
}

TEST_CASE_METHOD(election_fixture,
                 "when the leader terminates the next contender is granted "
                 "with a higher epoch") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  auto first = a.last().info;
  CHECK(confirm(elector, first.session, "host-a:1"));
  kill(a.handle.address());
  REQUIRE(b.last().kind == "grant");
  auto second = b.last().info;
  CHECK(second.epoch > first.epoch);
  CHECK(second.session != first.session);
  CHECK_FALSE(has_leadership(elector, first.session));
  // Until the new leader confirms, nobody is published as leader.
  CHECK(published(retriever).empty());
}

TEST_CASE_METHOD(election_fixture,
                 "a leader that leaves is revoked and the next is granted") {
  auto elector = make_elector();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  auto session = a.last().info.session;
  ask<caf::ok_atom>(elector, leave_atom::value, a.handle);
  CHECK(a.last().kind == "revoke");
  CHECK(a.last().info.session == session);
  CHECK(b.last().kind == "grant");
}

TEST_CASE_METHOD(election_fixture,
                 "a follower that leaves changes nothing for the leader") {
  auto elector = make_elector();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  ask<caf::ok_atom>(elector, leave_atom::value, b.handle);
  CHECK(a.log->size() == 1);
  CHECK(has_leadership(elector, a.last().info.session));
  CHECK(b.log->empty());
}

TEST_CASE_METHOD(election_fixture,
                 "resign hands leadership to the next contender and queues "
                 "the resigner behind it") {
  auto elector = make_elector();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  auto a_session = a.last().info.session;
  CHECK(ask<bool>(elector, resign_atom::value, a_session));
  CHECK(a.last().kind == "revoke");
  REQUIRE(b.last().kind == "grant");
  auto b_grant = b.last().info;
  CHECK(b_grant.epoch == 2);
  // b resigns in turn: a, still a contender, is granted again.
  CHECK(ask<bool>(elector, resign_atom::value, b_grant.session));
  REQUIRE(a.last().kind == "grant");
  CHECK(a.last().info.epoch == 3);
  CHECK(a.last().info.session != a_session);
}

TEST_CASE_METHOD(election_fixture,
                 "a resign with a session that does not lead is refused") {
  auto elector = make_elector();
  auto a = make_contender();
  join(elector, a);
  CHECK_FALSE(ask<bool>(elector, resign_atom::value, nil_session_id()));
  CHECK(a.log->size() == 1);
}

TEST_CASE_METHOD(election_fixture,
                 "a lone leader that resigns is granted again with a new "
                 "session and epoch") {
  auto elector = make_elector();
  auto a = make_contender();
  join(elector, a);
  auto first = a.last().info;
  CHECK(ask<bool>(elector, resign_atom::value, first.session));
  REQUIRE(a.log->size() == 3);
  CHECK((*a.log)[1].kind == "revoke");
  CHECK(a.last().kind == "grant");
  CHECK(a.last().info.epoch > first.epoch);
}

TEST_CASE_METHOD(election_fixture, "joining the same election twice fails") {
  auto elector = make_elector();
  auto a = make_contender();
  join(elector, a);
  auto again = ask_expected<caf::ok_atom>(elector, join_atom::value, a.handle);
  REQUIRE_FALSE(again);
  CHECK(is(again.error(), errc::already_exists));
  CHECK(has_leadership(elector, a.last().info.session));
}

TEST_CASE_METHOD(election_fixture,
                 "a backend error reaches every contender and voids the "
                 "grant") {
  auto elector = make_elector();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  auto session = a.last().info.session;
  self->send(arbiter->elector_inbox, driver_error_atom::value,
             make_error(errc::backend_unavailable, "test backend lost"));
  run();
  CHECK(a.last().kind == "election_error");
  CHECK(is(a.last().err, errc::backend_unavailable));
  CHECK(b.last().kind == "election_error");
  CHECK_FALSE(has_leadership(elector, session));
  CHECK_FALSE(confirm(elector, session, "host-a:1"));
}

TEST_CASE_METHOD(election_fixture,
                 "every component and every job has its own election") {
  job_id job;
  job.bytes[15] = 7;
  auto job_component = component::job_manager(job);
  auto dispatcher_elector = make_elector();
  auto job_elector = make_elector(job_component);
  auto a = make_contender();
  auto b = make_contender();
  join(dispatcher_elector, a);
  join(job_elector, b);
  CHECK(a.last().kind == "grant");
  CHECK(b.last().kind == "grant");
  CHECK(b.last().component == job_component);
  CHECK(b.last().info.epoch == 1);
}

TEST_CASE_METHOD(election_fixture,
                 "one actor can contend for two components at once") {
  auto rm_elector = make_elector(component::resource_manager);
  auto dispatcher_elector = make_elector();
  auto a = make_contender();
  join(rm_elector, a);
  join(dispatcher_elector, a);
  REQUIRE(a.log->size() == 2);
  CHECK((*a.log)[0].component == component::resource_manager);
  CHECK((*a.log)[1].component == dispatcher);
}

TEST_CASE_METHOD(election_fixture,
                 "driver reports sent to the elector's own handle are dropped") {
  auto elector = make_elector();
  auto a = make_contender();
  auto b = make_contender();
  join(elector, a);
  join(elector, b);
  REQUIRE(b.log->empty());
  // A peer holding the elector's handle forges a grant for every candidate
  // and a backend error: the leader keeps its grant, nobody else gets one.
  for (uint64_t candidate = 1; candidate <= 4; ++candidate)
    self->send(elector, granted_atom::value, candidate, epoch_t{999});
  self->send(elector, revoked_atom::value, uint64_t{1});
  self->send(elector, driver_error_atom::value,
             make_error(errc::backend_unavailable, "forged"));
  run();
  CHECK(b.log->empty());
  REQUIRE(a.log->size() == 1);
  CHECK(a.last().kind == "grant");
  CHECK(has_leadership(elector, a.last().info.session));
}

TEST_CASE_METHOD(election_fixture,
                 "a request outside the protocol is refused") {
  auto elector = make_elector();
  auto answer = ask_expected<caf::ok_atom>(
    caf::actor_cast<caf::actor>(elector), caf::atom("cleanup"));
  REQUIRE_FALSE(answer);
  CHECK(answer.error() == caf::sec::unexpected_message);
}

TEST_CASE_METHOD(election_fixture,
                 "an elector nobody joins quits after the idle time") {
  auto g = gen;
  elector_config cfg{dispatcher, arbiter, [g] { return (*g)(); }};
  cfg.idle_timeout = std::chrono::seconds(1);
  auto idle = spawn_elector(sys, cfg);
  auto used = spawn_elector(sys, cfg);
  auto a = make_contender();
  join(used, a);
  self->monitor(idle);
  self->monitor(used);
  run();
  sched.trigger_timeouts();
  run();
  std::vector<caf::actor_addr> ended;
  for (auto more = true; more && ended.size() < 3;)
    self->receive([&](caf::down_msg& msg) { ended.push_back(msg.source); },
                  caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
  CHECK(ended == std::vector<caf::actor_addr>{idle.address()});
  CHECK(has_leadership(used, a.last().info.session));
  caf::anon_send_exit(used, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE_METHOD(election_fixture,
                 "participants lists every contender in the order they "
                 "joined, with its declared address, its state and the epoch "
                 "of its grant",
                 "[participants]") {
  auto elector = make_elector();
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  auto a = make_contender();
  auto b = make_contender();
  auto c = make_contender();
  ask<caf::ok_atom>(elector, join_atom::value, a.handle,
                    contender_options{"host-a:1"});
  ask<caf::ok_atom>(elector, join_atom::value, b.handle,
                    contender_options{"host-b:1"});
  join(elector, c); // declares nothing
  auto list = ask<std::vector<participant>>(elector, participants_atom::value);
  REQUIRE(list.size() == 3);
  CHECK(list[0].address == "host-a:1");
  CHECK(list[0].state == "granted");
  CHECK(list[0].epoch == 1);
  CHECK(list[0].last_seen_ms >= before);
  CHECK(list[1].address == "host-b:1");
  CHECK(list[1].state == "candidate");
  CHECK(list[1].epoch == 0);
  CHECK(list[2].address.empty());
  CHECK(confirm(elector, a.last().info.session, "host-a:1"));
  list = ask<std::vector<participant>>(elector, participants_atom::value);
  CHECK(list[0].state == "leader");
  // a resigns: it queues again behind the others, b leads.
  CHECK(ask<bool>(elector, resign_atom::value, a.last().info.session));
  list = ask<std::vector<participant>>(elector, participants_atom::value);
  REQUIRE(list.size() == 3);
  CHECK(list[0].address == "host-b:1");
  CHECK(list[0].state == "granted");
  CHECK(list[0].epoch == 2);
  CHECK(list[2].address == "host-a:1");
  CHECK(list[2].state == "candidate");
  // A contender that terminates is gone from the list.
  kill(b.handle.address());
  list = ask<std::vector<participant>>(elector, participants_atom::value);
  REQUIRE(list.size() == 2);
  CHECK(list[0].address.empty());
  CHECK(list[0].epoch == 3);
}

TEST_CASE_METHOD(election_fixture,
                 "a join declaring an address a leader could not publish is "
                 "refused and changes nothing",
                 "[participants]") {
  auto elector = make_elector();
  auto a = make_contender();
  for (auto& address :
       {std::string{"a:1\n\x1b[31mb:2"}, std::string(max_leader_address + 1,
                                                      'a')}) {
    auto refused = ask_expected<caf::ok_atom>(elector, join_atom::value,
                                              a.handle,
                                              contender_options{address});
    REQUIRE_FALSE(refused);
    CHECK(is(refused.error(), errc::invalid_argument));
  }
  CHECK(a.log->empty());
  CHECK(ask<std::vector<participant>>(elector, participants_atom::value)
          .empty());
}

namespace {

/// The memory arbiter posing as a backend whose candidates span processes:
/// it keeps the listings the elector asks for, and the test answers them.
class listing_spy : public inbox_spy {
public:
  bool spans_processes() const override {
    return true;
  }

  void participants(const std::string&, uint64_t request,
                    election_events_actor) override {
    requests.push_back(request);
  }

  std::vector<uint64_t> requests;
};

struct listing_fixture : election_fixture {
  std::shared_ptr<listing_spy> spy = std::make_shared<listing_spy>();

  listing_fixture() {
    arbiter = spy;
  }

};

} // namespace

TEST_CASE_METHOD(listing_fixture,
                 "with a backend that spans processes one listing answers "
                 "every request that came while it was under way, with the "
                 "elector's own candidates described as it knows them",
                 "[participants]") {
  auto elector = make_elector();
  auto a = make_contender();
  ask<caf::ok_atom>(elector, join_atom::value, a.handle,
                    contender_options{"host-a:1"});
  auto p1 = self->request(elector, caf::infinite, participants_atom::value);
  auto p2 = self->request(elector, caf::infinite, participants_atom::value);
  run();
  REQUIRE(spy->requests.size() == 1);
  // The backend's list: another process's candidate first, then ours.
  std::vector<participant> listed{{"host-x:1", "leader", 9, 5},
                                  {"stale view", "candidate", 0, 6}};
  self->send(spy->elector_inbox, participants_atom::value,
             spy->requests[0], listed, std::vector<uint64_t>{0, 1});
  run();
  for (auto* p : {&p1, &p2}) {
    std::vector<participant> got;
    p->receive([&](std::vector<participant>& xs) { got = std::move(xs); },
               [](caf::error& err) { FAIL(describe(err)); });
    REQUIRE(got.size() == 2);
    CHECK(got[0].address == "host-x:1");
    CHECK(got[0].state == "leader");
    CHECK(got[0].epoch == 9);
    CHECK(got[1].address == "host-a:1");
    CHECK(got[1].state == "granted");
    CHECK(got[1].epoch == 1);
  }
}

TEST_CASE_METHOD(listing_fixture,
                 "with a backend that spans processes at most 64 participants "
                 "requests wait, and the waiting ones fail when the elector "
                 "ends",
                 "[participants]") {
  auto elector = make_elector();
  std::vector<decltype(self->request(elector, caf::infinite,
                                     participants_atom::value))>
    pending;
  for (int i = 0; i < 65; ++i)
    pending.push_back(
      self->request(elector, caf::infinite, participants_atom::value));
  run();
  CHECK(spy->requests.size() == 1);
  caf::error last;
  pending.back().receive([](std::vector<participant>&) {},
                         [&](caf::error& err) { last = err; });
  CHECK(is(last, errc::backend_unavailable));
  caf::anon_send_exit(elector, caf::exit_reason::user_shutdown);
  run();
  caf::error first;
  pending.front().receive([](std::vector<participant>&) {},
                          [&](caf::error& err) { first = err; });
  CHECK(is(first, errc::backend_unavailable));
}
