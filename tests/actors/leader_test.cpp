// The leader helper, driven by messages under CAF's deterministic
// scheduler: against a real elector on the memory arbiter, against a fake
// elector the tests drive, and through the remote elector proxy with a fake
// services link.

#include "caf_ha/actors/client/leader.hpp"

#include <algorithm>
#include <set>

#include <boost/uuid/random_generator.hpp>

#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/retriever.hpp"
#include "caf_ha/backends/memory/memory_metadata_store.hpp"
#include "caf_ha/messages/leader.hpp"
#include "caf_ha/messages/services_link.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/fake_services_link.hpp"
#include "tests/support/inbox_spy.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr const char* dispatcher = "dispatcher";

/// What an application actor heard from its helper.
struct app_event {
  std::string app;
  std::string kind; // leading, not_leading, draining
  std::string component;
  fencing_token token;
  caf::error why;
};

using event_log = std::shared_ptr<std::vector<app_event>>;

/// An application actor: records what its helper tells it, and asks its
/// helper what the test tells it to (the helper answers only its app).
caf::behavior test_app(caf::event_based_actor* self, std::string name,
                       event_log log) {
  auto helper = std::make_shared<leader_actor>();
  return {
    [=](leading_atom, const std::string& c, const fencing_token& token) {
      log->push_back({name, "leading", c, token, {}});
    },
    [=](not_leading_atom, const std::string& c, const caf::error& why) {
      log->push_back({name, "not_leading", c, {}, why});
    },
    [=](draining_atom, const std::string& c, const fencing_token& token) {
      log->push_back({name, "draining", c, token, {}});
    },
    // The test says when the application drained.
    [=](drained_atom) { self->send(*helper, drained_atom::value); },
    [=](caf::put_atom, leader_actor x) { *helper = std::move(x); },
    [=](caf::get_atom) {
      auto rp = self->make_response_promise<fencing_token>();
      self->request(*helper, caf::infinite, caf::get_atom::value)
        .then([=](const fencing_token& x) mutable { rp.deliver(x); },
              [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](fenced_atom, const fencing_token& token) {
      self->send(*helper, fenced_atom::value, token);
    },
    [=](resign_atom) {
      auto rp = self->make_response_promise<bool>();
      self->request(*helper, caf::infinite, resign_atom::value)
        .then([=](bool x) mutable { rp.deliver(x); },
              [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](leave_atom) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      self->request(*helper, caf::infinite, leave_atom::value)
        .then([=](caf::ok_atom x) mutable { rp.deliver(x); },
              [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

struct app_handle {
  std::string name;
  caf::actor app;
  leader_actor helper;
};

/// What the fake elector saw, and how it answers.
struct fake_elector_state {
  std::vector<caf::actor> contenders;
  /// Sessions that confirm (and leadership) answer true for.
  std::set<session_id> current;
  /// Answers to the next joins, in order; ok once empty.
  std::vector<caf::error> join_errors;
  /// When set, confirm and resign fail with these.
  caf::error confirm_error;
  caf::error resign_error;
  /// When set, confirmations wait here until the test sends `ok`.
  bool hold_confirm = false;
  std::vector<caf::response_promise> held_confirms;
  std::vector<std::string> calls;
};

using fake_state = std::shared_ptr<fake_elector_state>;

/// An elector the test drives: (grant, session, epoch), (revoke, session),
/// (drain, session) and (election_error, error) from the test go from it to
/// every contender.
caf::behavior fake_elector(caf::event_based_actor* self, fake_state st) {
  auto to_all = [=](auto... xs) {
    for (auto& c : st->contenders)
      self->send(c, xs...);
  };
  return {
    [=](join_atom, const contender_actor& c,
        const contender_options&) -> caf::result<caf::ok_atom> {
      st->calls.push_back("join");
      if (!st->join_errors.empty()) {
        auto err = st->join_errors.front();
        st->join_errors.erase(st->join_errors.begin());
        return err;
      }
      st->contenders.push_back(caf::actor_cast<caf::actor>(c));
      return caf::ok_atom::value;
    },
    [=](leave_atom, const contender_actor&) {
      st->calls.push_back("leave");
      st->contenders.clear();
      return caf::ok_atom::value;
    },
    [=](confirm_atom, const session_id& s,
        const std::string&) -> caf::result<bool> {
      st->calls.push_back("confirm");
      if (st->confirm_error)
        return st->confirm_error;
      if (st->hold_confirm) {
        st->held_confirms.push_back(self->make_response_promise());
        return caf::delegated<bool>{};
      }
      return st->current.count(s) > 0;
    },
    [=](leadership_atom, const session_id& s) {
      return st->current.count(s) > 0;
    },
    [=](resign_atom, const session_id& s) -> caf::result<bool> {
      st->calls.push_back("resign");
      if (st->resign_error)
        return st->resign_error;
      return st->current.erase(s) > 0;
    },
    [=](drained_atom, const session_id&) {
      st->calls.push_back("drained");
      return true;
    },
    [=](grant_atom, const session_id& s, epoch_t e) {
      to_all(grant_atom::value, std::string{dispatcher}, s, e);
    },
    [=](revoke_atom, const session_id& s) {
      to_all(revoke_atom::value, std::string{dispatcher}, s);
    },
    [=](drain_atom, const session_id& s) {
      to_all(drain_atom::value, std::string{dispatcher}, s);
    },
    [=](election_error_atom, const caf::error& err) {
      to_all(election_error_atom::value, std::string{dispatcher}, err);
    },
    [=](caf::ok_atom) {
      // The test releases the held confirmations: accepted.
      for (auto& rp : st->held_confirms)
        rp.deliver(true);
      st->held_confirms.clear();
    },
  };
}

struct leader_fixture : actor_fixture {
  std::shared_ptr<inbox_spy> arbiter = std::make_shared<inbox_spy>();
  std::shared_ptr<boost::uuids::random_generator> gen
    = std::make_shared<boost::uuids::random_generator>();
  event_log events = std::make_shared<std::vector<app_event>>();

  /// A leading helper renews its lease on a timer that never runs out, so
  /// `run()` only delivers messages here: time moves when a test moves it
  /// (`sched.trigger_timeouts()`, `sched.clock()`).
  bool trigger_timeout() override {
    return false;
  }

  elector_actor make_elector() {
    auto g = gen;
    return caf::actor_cast<elector_actor>(keep(spawn_elector(
      sys, elector_config{dispatcher, arbiter, [g] { return (*g)(); }})));
  }

  retriever_impl make_retriever() {
    return keep(spawn_retriever(sys, retriever_config{dispatcher, arbiter}));
  }

  std::pair<caf::actor, fake_state> make_fake_elector() {
    auto st = std::make_shared<fake_elector_state>();
    return {keep(sys.spawn(fake_elector, st)), st};
  }

  app_handle make_app(const std::string& name, const elector_actor& elector,
                      leader_config cfg = {}) {
    if (cfg.component.empty())
      cfg = leader_config{dispatcher, name + ":6123"};
    auto app = keep(sys.spawn(test_app, name, events));
    auto helper = spawn_leader(
      sys, elector, cfg, caf::actor_cast<leadership_listener_actor>(app));
    self->send(app, caf::put_atom::value, helper);
    run();
    return {name, app, helper};
  }

  std::vector<app_event> events_of(const app_handle& x) {
    std::vector<app_event> result;
    for (auto& e : *events)
      if (e.app == x.name)
        result.push_back(e);
    return result;
  }

  fencing_token token(const app_handle& x) {
    return ask<fencing_token>(x.app, caf::get_atom::value);
  }

  void report_fenced(const app_handle& x, const fencing_token& t) {
    self->send(x.app, fenced_atom::value, t);
    run();
  }

  session_id new_session() {
    return (*gen)();
  }

  /// The down messages `self` has, at most `max`, without waiting.
  std::vector<caf::down_msg> downs(size_t max = 4) {
    std::vector<caf::down_msg> result;
    for (auto more = true; more && result.size() < max;)
      self->receive([&](caf::down_msg& msg) { result.push_back(msg); },
                    caf::after(std::chrono::seconds(0)) >>
                      [&] { more = false; });
    return result;
  }
};

void check_leading(const app_event& e, epoch_t epoch) {
  CHECK(e.kind == "leading");
  CHECK(e.component == dispatcher);
  CHECK(e.token.component == dispatcher);
  CHECK(e.token.epoch == epoch);
}

void check_not_leading(const app_event& e, errc why) {
  CHECK(e.kind == "not_leading");
  CHECK(e.component == dispatcher);
  INFO("why: " << describe(e.why));
  CHECK(is(e.why, why));
}

/// Writes a dirty job result with `fence` to the memory store.
caf::error fenced_write(metadata_store& store, const fencing_token& fence,
                        uint8_t job) {
  job_result_entry entry;
  entry.id.bytes[15] = job;
  std::vector<write_op> ops{create_dirty_result_op{entry, fence}};
  return store.apply(ops).at(0);
}

} // namespace

TEST_CASE_METHOD(leader_fixture,
                 "a lone contender leads with epoch 1 and a token that passes "
                 "a fenced write",
                 "[leader]") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto shared = std::make_shared<memory_metadata>();
  shared->grants = arbiter;
  auto store = open_memory_metadata_store(shared);
  auto a = make_app("a", elector);
  auto seen = events_of(a);
  REQUIRE(seen.size() == 1);
  check_leading(seen[0], 1);
  auto published = ask<leader_info>(retriever, caf::get_atom::value);
  CHECK(published.address == "a:6123");
  CHECK(published.epoch == 1);
  auto t = token(a);
  CHECK(t.component == dispatcher);
  CHECK(t.epoch == 1);
  CHECK_FALSE(fenced_write(*store, t, 1));
  CHECK(is(fenced_write(*store, {dispatcher, 2}, 2), errc::invalid_argument));
}

TEST_CASE_METHOD(leader_fixture,
                 "of two helpers only one leads, and a resign hands over: "
                 "not_leading for the first comes before leading for the "
                 "second",
                 "[leader]") {
  auto elector = make_elector();
  auto a = make_app("a", elector);
  auto b = make_app("b", elector);
  CHECK(events_of(b).empty());
  CHECK(token(b).empty());
  CHECK(ask<bool>(a.app, resign_atom::value));
  REQUIRE(events->size() == 3);
  check_leading((*events)[0], 1);
  CHECK((*events)[1].app == "a");
  check_not_leading((*events)[1], errc::not_leader);
  CHECK((*events)[2].app == "b");
  check_leading((*events)[2], 2);
  CHECK(token(a).empty());
  CHECK(token(b).epoch == 2);
  // b resigns in turn: a, queued again as a follower, leads.
  CHECK(ask<bool>(b.app, resign_atom::value));
  REQUIRE(events->size() == 5);
  check_not_leading((*events)[3], errc::not_leader);
  CHECK((*events)[4].app == "a");
  check_leading((*events)[4], 3);
}

TEST_CASE_METHOD(leader_fixture,
                 "a revoke or an election error ends leadership", "[leader]") {
  auto elector = make_elector();
  auto a = make_app("a", elector);
  REQUIRE(events_of(a).size() == 1);
  SECTION("revoke") {
    self->send(arbiter->elector_inbox, revoked_atom::value, uint64_t{1});
    run();
    auto seen = events_of(a);
    REQUIRE(seen.size() == 2);
    check_not_leading(seen[1], errc::not_leader);
  }
  SECTION("election error") {
    self->send(arbiter->elector_inbox, driver_error_atom::value,
               make_error(errc::backend_unavailable, "test backend lost"));
    run();
    auto seen = events_of(a);
    REQUIRE(seen.size() == 2);
    check_not_leading(seen[1], errc::backend_unavailable);
  }
  CHECK(token(a).empty());
}

TEST_CASE_METHOD(leader_fixture,
                 "a fenced report ends leadership at once, and the next grant "
                 "leads again with a higher epoch",
                 "[leader]") {
  auto elector = make_elector();
  auto shared = std::make_shared<memory_metadata>();
  shared->grants = arbiter;
  auto store = open_memory_metadata_store(shared);
  auto a = make_app("a", elector);
  auto first = token(a);
  REQUIRE(first.epoch == 1);
  report_fenced(a, first);
  auto seen = events_of(a);
  REQUIRE(seen.size() == 3);
  check_not_leading(seen[1], errc::fenced);
  // The session went back to the election, which granted the lone
  // contender again.
  check_leading(seen[2], 2);
  auto second = token(a);
  CHECK(second.epoch == 2);
  CHECK(is(fenced_write(*store, first, 1), errc::fenced));
  CHECK_FALSE(fenced_write(*store, second, 1));
  // A late report about the old token changes nothing.
  report_fenced(a, first);
  CHECK(events_of(a).size() == 3);
  CHECK(token(a).epoch == 2);
}

TEST_CASE_METHOD(leader_fixture,
                 "when the application dies its helper leaves and the other "
                 "contender leads",
                 "[leader]") {
  auto elector = make_elector();
  auto a = make_app("a", elector);
  auto b = make_app("b", elector);
  self->monitor(a.helper);
  kill(a.app.address());
  auto seen = events_of(b);
  REQUIRE(seen.size() == 1);
  check_leading(seen[0], 2);
  auto ended = downs();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].source == a.helper.address());
}

TEST_CASE_METHOD(leader_fixture,
                 "leave ends leadership, answers and quits, and the next leads",
                 "[leader]") {
  auto elector = make_elector();
  auto a = make_app("a", elector);
  auto b = make_app("b", elector);
  self->monitor(a.helper);
  ask<caf::ok_atom>(a.app, leave_atom::value);
  REQUIRE(events->size() == 3);
  check_not_leading((*events)[1], errc::not_leader);
  CHECK((*events)[2].app == "b");
  check_leading((*events)[2], 2);
  auto ended = downs();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].reason == caf::exit_reason::normal);
}

TEST_CASE_METHOD(leader_fixture,
                 "grants, revokes and requests from strangers are dropped",
                 "[leader]") {
  auto elector = make_elector();
  auto retriever = make_retriever();
  auto a = make_app("a", elector);
  auto b = make_app("b", elector);
  auto a_session = ask<leader_info>(retriever, caf::get_atom::value).session;
  auto as_contender = [](const app_handle& x) {
    return caf::actor_cast<caf::actor>(x.helper);
  };
  // A made-up session fails the check with the elector; a real one fails
  // too, since the elector's answer does not come from the forger. Without
  // the second check b would confirm a's session with its own address.
  self->send(as_contender(b), grant_atom::value, std::string{dispatcher},
             new_session(), epoch_t{7});
  self->send(as_contender(b), grant_atom::value, std::string{dispatcher},
             a_session, epoch_t{1});
  self->send(as_contender(a), revoke_atom::value, std::string{dispatcher},
             a_session);
  self->send(as_contender(a), election_error_atom::value,
             std::string{dispatcher},
             make_error(errc::backend_unavailable, "forged"));
  self->send(a.helper, fenced_atom::value, fencing_token{dispatcher, 1});
  run();
  CHECK(events_of(b).empty());
  REQUIRE(events_of(a).size() == 1);
  CHECK(token(a).epoch == 1);
  CHECK(ask<leader_info>(retriever, caf::get_atom::value).address
        == "a:6123");
  auto stolen = ask_expected<fencing_token>(a.helper, caf::get_atom::value);
  REQUIRE_FALSE(stolen);
  CHECK(is(stolen.error(), errc::permission_denied));
  auto resigned = ask_expected<bool>(a.helper, resign_atom::value);
  REQUIRE_FALSE(resigned);
  CHECK(is(resigned.error(), errc::permission_denied));
  CHECK(token(a).epoch == 1);
}

TEST_CASE_METHOD(leader_fixture,
                 "a stale grant produces nothing, and a new grant ends the "
                 "old leadership first",
                 "[leader]") {
  auto [elector, st] = make_fake_elector();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector));
  REQUIRE(st->contenders.size() == 1);
  self->send(elector, grant_atom::value, new_session(), epoch_t{1});
  run();
  CHECK(events_of(a).empty());
  CHECK(token(a).empty());
  auto s2 = new_session();
  auto s3 = new_session();
  st->current = {s2, s3};
  self->send(elector, grant_atom::value, s2, epoch_t{2});
  run();
  self->send(elector, grant_atom::value, s3, epoch_t{3});
  run();
  auto seen = events_of(a);
  REQUIRE(seen.size() == 3);
  check_leading(seen[0], 2);
  check_not_leading(seen[1], errc::not_leader);
  check_leading(seen[2], 3);
  // A revoke of the old session changes nothing; of the current one ends it.
  self->send(elector, revoke_atom::value, s2);
  run();
  CHECK(events_of(a).size() == 3);
  self->send(elector, revoke_atom::value, s3);
  run();
  seen = events_of(a);
  REQUIRE(seen.size() == 4);
  check_not_leading(seen[3], errc::not_leader);
}

TEST_CASE_METHOD(leader_fixture,
                 "after an election error the next grant leads again",
                 "[leader]") {
  auto [elector, st] = make_fake_elector();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector));
  auto s1 = new_session();
  auto s2 = new_session();
  st->current = {s1, s2};
  self->send(elector, grant_atom::value, s1, epoch_t{1});
  run();
  self->send(elector, election_error_atom::value,
             make_error(errc::backend_unavailable, "lost the node"));
  run();
  self->send(elector, grant_atom::value, s2, epoch_t{4});
  run();
  auto seen = events_of(a);
  REQUIRE(seen.size() == 3);
  check_leading(seen[0], 1);
  check_not_leading(seen[1], errc::backend_unavailable);
  check_leading(seen[2], 4);
}

TEST_CASE_METHOD(leader_fixture,
                 "a component name the node refuses ends the helper",
                 "[leader]") {
  auto [elector, st] = make_fake_elector();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector));
  self->monitor(a.helper);
  self->send(elector, election_error_atom::value,
             make_error(errc::invalid_argument, "no component"));
  run();
  auto seen = events_of(a);
  REQUIRE(seen.size() == 1);
  check_not_leading(seen[0], errc::invalid_argument);
  auto ended = downs();
  REQUIRE(ended.size() == 1);
  CHECK(is(ended[0].reason, errc::invalid_argument));
}

TEST_CASE_METHOD(leader_fixture,
                 "a fenced report gives the session back to the elector",
                 "[leader]") {
  auto [elector, st] = make_fake_elector();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector));
  auto s1 = new_session();
  st->current = {s1};
  self->send(elector, grant_atom::value, s1, epoch_t{1});
  run();
  report_fenced(a, fencing_token{dispatcher, 1});
  CHECK(st->calls.back() == "resign");
  CHECK(st->current.empty());
  auto seen = events_of(a);
  REQUIRE(seen.size() == 2);
  check_not_leading(seen[1], errc::fenced);
}

TEST_CASE_METHOD(leader_fixture,
                 "a grant that cannot be confirmed goes back to the elector, "
                 "by leaving and joining again if resigning fails too",
                 "[leader]") {
  auto [elector, st] = make_fake_elector();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector));
  auto s1 = new_session();
  st->current = {s1};
  st->confirm_error = make_error(errc::backend_unavailable, "timeout");
  using calls = std::vector<std::string>;
  SECTION("resign works") {
    self->send(elector, grant_atom::value, s1, epoch_t{1});
    run();
    CHECK(st->calls == calls{"join", "confirm", "resign"});
    CHECK(st->current.empty());
  }
  SECTION("resign fails") {
    st->resign_error = make_error(errc::backend_unavailable, "timeout");
    self->send(elector, grant_atom::value, s1, epoch_t{1});
    run();
    CHECK(st->calls
          == calls{"join", "confirm", "resign", "leave", "join"});
    CHECK(st->contenders.size() == 1);
  }
  CHECK(events_of(a).empty());
  CHECK(token(a).empty());
}

TEST_CASE_METHOD(leader_fixture,
                 "a join that fails for a while is retried, a bounded number "
                 "of times",
                 "[leader]") {
  auto [elector, st] = make_fake_elector();
  auto unavailable = make_error(errc::backend_unavailable, "node away");
  leader_config cfg{dispatcher, "a:6123"};
  cfg.join_attempts = 3;
  SECTION("joined on the third attempt") {
    st->join_errors = {unavailable, unavailable};
    auto a = make_app("a", caf::actor_cast<elector_actor>(elector), cfg);
    for (int i = 0; i < 5 && st->contenders.empty(); ++i) {
      sched.trigger_timeouts();
      run();
    }
    CHECK(st->calls.size() == 3);
    CHECK(st->contenders.size() == 1);
    CHECK(events_of(a).empty());
  }
  SECTION("given up after the third attempt") {
    st->join_errors = {unavailable, unavailable, unavailable, unavailable};
    auto a = make_app("a", caf::actor_cast<elector_actor>(elector), cfg);
    self->monitor(a.helper);
    for (int i = 0; i < 5 && events_of(a).empty(); ++i) {
      sched.trigger_timeouts();
      run();
    }
    CHECK(st->calls.size() == 3);
    auto seen = events_of(a);
    REQUIRE(seen.size() == 1);
    check_not_leading(seen[0], errc::backend_unavailable);
    auto ended = downs();
    REQUIRE(ended.size() == 1);
    CHECK(is(ended[0].reason, errc::backend_unavailable));
  }
  SECTION("a refusal is not retried") {
    st->join_errors = {make_error(errc::invalid_argument, "no component")};
    auto a = make_app("a", caf::actor_cast<elector_actor>(elector), cfg);
    CHECK(st->calls.size() == 1);
    auto seen = events_of(a);
    REQUIRE(seen.size() == 1);
    check_not_leading(seen[0], errc::invalid_argument);
  }
}

TEST_CASE_METHOD(leader_fixture,
                 "when its elector terminates the helper says so and quits",
                 "[leader]") {
  auto elector = make_elector();
  auto a = make_app("a", elector);
  self->monitor(a.helper);
  kill(elector.address());
  auto seen = events_of(a);
  REQUIRE(seen.size() == 2);
  check_not_leading(seen[1], errc::backend_unavailable);
  auto ended = downs();
  REQUIRE(ended.size() == 1);
  CHECK(is(ended[0].reason, errc::backend_unavailable));
}

namespace {

/// An ha-node root that hands out the elector the test put in `current`.
caf::behavior fake_root(caf::event_based_actor*,
                        std::shared_ptr<elector_actor> current) {
  return {
    [=](caf::get_atom, elector_atom, const std::string&) { return *current; },
  };
}

} // namespace

TEST_CASE_METHOD(leader_fixture,
                 "over a remote elector a lost connection ends leadership and "
                 "the grant after reconnecting leads with the new epoch",
                 "[leader]") {
  auto node_elector = std::make_shared<elector_actor>(make_elector());
  auto root = caf::actor_cast<ha_services_actor>(
    keep(sys.spawn(fake_root, node_elector)));
  auto link_actor = keep(sys.spawn(fake_link));
  auto link = caf::actor_cast<services_link_actor>(link_actor);
  auto proxy = keep(spawn_remote_elector(sys, link, dispatcher));
  auto a = make_app("a", proxy);
  CHECK(events_of(a).empty());
  self->send(link_actor, go_up_atom::value, root);
  run();
  auto seen = events_of(a);
  REQUIRE(seen.size() == 1);
  check_leading(seen[0], 1);
  self->send(link_actor, go_down_atom::value);
  run();
  seen = events_of(a);
  REQUIRE(seen.size() == 2);
  check_not_leading(seen[1], errc::backend_unavailable);
  CHECK(token(a).empty());
  // ha-node restarts: its elector ends (and leaves the arbiter), a new
  // elector on the same arbiter continues the epochs, and the proxy joins
  // the helper to it.
  caf::anon_send_exit(*node_elector, caf::exit_reason::user_shutdown);
  run();
  *node_elector = make_elector();
  self->send(link_actor, go_up_atom::value, root);
  run();
  seen = events_of(a);
  REQUIRE(seen.size() == 3);
  check_leading(seen[2], 2);
  CHECK(token(a).epoch == 2);
}

namespace {

leader_config leased(const std::string& name,
                     std::shared_ptr<leadership_lease> lease) {
  leader_config cfg{dispatcher, name + ":6123"};
  cfg.lease_duration = std::chrono::seconds(1);
  cfg.lease = std::move(lease);
  return cfg;
}

} // namespace

TEST_CASE_METHOD(leader_fixture,
                 "a leader whose lease ran out while it was paused fences "
                 "itself: the application sees the lease gone at once, hears "
                 "not_leading before anything else, and the next contender "
                 "is granted",
                 "[leader][lease]") {
  auto elector = make_elector();
  auto lease = std::make_shared<leadership_lease>();
  auto a = make_app("a", elector, leased("a", lease));
  auto b = make_app("b", elector);
  REQUIRE(events->size() == 1);
  check_leading((*events)[0], 1);
  CHECK(lease->held());
  // The whole process stops for two lease periods; nothing ran meanwhile.
  sched.clock().current_time += std::chrono::seconds(2);
  CHECK_FALSE(lease->held());
  CHECK(lease->expired_for() >= std::chrono::seconds(1));
  // The first message the helper handles after waking up: its renewal.
  REQUIRE(sched.clock().trigger_timeout());
  run();
  REQUIRE(events->size() == 3);
  CHECK((*events)[1].app == "a");
  check_not_leading((*events)[1], errc::fenced);
  CHECK((*events)[2].app == "b");
  check_leading((*events)[2], 2);
  CHECK(token(a).empty());
  CHECK_FALSE(lease->held());
}

TEST_CASE_METHOD(leader_fixture,
                 "a pause also fences when the first message after it is a "
                 "request of the application",
                 "[leader][lease]") {
  auto elector = make_elector();
  auto lease = std::make_shared<leadership_lease>();
  auto a = make_app("a", elector, leased("a", lease));
  sched.clock().current_time += std::chrono::seconds(2);
  CHECK(token(a).empty());
  auto seen = events_of(a);
  REQUIRE(seen.size() == 3);
  check_not_leading(seen[1], errc::fenced);
  // Given back: a, queued again as the only contender, is granted anew.
  check_leading(seen[2], 2);
  CHECK(lease->held());
}

TEST_CASE_METHOD(leader_fixture,
                 "while the elector answers, renewals keep the lease held for "
                 "many lease periods",
                 "[leader][lease]") {
  auto elector = make_elector();
  auto lease = std::make_shared<leadership_lease>();
  auto a = make_app("a", elector, leased("a", lease));
  auto start = sched.clock().current_time;
  auto three = std::chrono::seconds(3);
  for (int i = 0; i < 40 && sched.clock().current_time - start < three;
       ++i) {
    sched.clock().trigger_timeout();
    run();
  }
  CHECK(sched.clock().current_time - start >= three);
  CHECK(lease->held());
  auto seen = events_of(a);
  REQUIRE(seen.size() == 1);
  check_leading(seen[0], 1);
}

TEST_CASE_METHOD(leader_fixture,
                 "a renewal the elector answers with no ends leadership",
                 "[leader][lease]") {
  auto [elector, st] = make_fake_elector();
  auto lease = std::make_shared<leadership_lease>();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector),
                    leased("a", lease));
  auto session = new_session();
  st->current.insert(session);
  self->send(elector, grant_atom::value, session, epoch_t{7});
  run();
  REQUIRE(events_of(a).size() == 1);
  CHECK(lease->held());
  st->current.clear();
  sched.clock().trigger_timeout(); // the renewal
  run();
  auto seen = events_of(a);
  REQUIRE(seen.size() == 2);
  check_not_leading(seen[1], errc::not_leader);
  CHECK_FALSE(lease->held());
}

TEST_CASE_METHOD(leader_fixture,
                 "a confirmation answered after a lease from the moment of "
                 "asking would have run out leads only after a timely yes",
                 "[leader][lease]") {
  auto [elector, st] = make_fake_elector();
  auto lease = std::make_shared<leadership_lease>();
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector),
                    leased("a", lease));
  auto session = new_session();
  st->current.insert(session);
  st->hold_confirm = true;
  self->send(elector, grant_atom::value, session, epoch_t{7});
  run();
  REQUIRE(st->held_confirms.size() == 1);
  sched.clock().current_time += std::chrono::seconds(2);
  SECTION("the session still leads: it leads") {
    self->send(elector, caf::ok_atom::value);
    run();
    auto seen = events_of(a);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].token.epoch == 7);
    CHECK(lease->held(7));
    CHECK(std::count(st->calls.begin(), st->calls.end(), "resign") == 0);
  }
  SECTION("the session no longer leads: nothing") {
    st->current.clear();
    self->send(elector, caf::ok_atom::value);
    run();
    CHECK(events_of(a).empty());
    CHECK_FALSE(lease->held());
  }
}

TEST_CASE_METHOD(leader_fixture,
                 "the lease ends with the helper, however it ends, and is "
                 "held only for the epoch it was renewed for",
                 "[leader][lease]") {
  auto elector = make_elector();
  auto lease = std::make_shared<leadership_lease>();
  auto a = make_app("a", elector, leased("a", lease));
  CHECK(lease->held(1));
  CHECK_FALSE(lease->held(2));
  caf::anon_send_exit(a.helper, caf::exit_reason::kill);
  run();
  CHECK_FALSE(lease->held());
  CHECK_FALSE(lease->held(1));
}

TEST_CASE_METHOD(leader_fixture,
                 "the remote elector refuses a join declaring an address the "
                 "node would refuse, before keeping the contender",
                 "[participants]") {
  auto link_actor = keep(sys.spawn(fake_link));
  auto link = caf::actor_cast<services_link_actor>(link_actor);
  auto proxy = keep(spawn_remote_elector(sys, link, dispatcher));
  auto contender = make_contender();
  auto refused = ask_expected<caf::ok_atom>(
    proxy, join_atom::value, contender.handle,
    contender_options{"a:1\n\x1b[31mb:2"});
  REQUIRE_FALSE(refused);
  CHECK(is(refused.error(), errc::invalid_argument));
  CHECK(contender.log->empty());
}

TEST_CASE_METHOD(leader_fixture,
                 "a draining application hears draining with its token, "
                 "keeps leading until it says drained, then not_leading, and "
                 "the named contender leads",
                 "[leader][handover]") {
  auto g = gen;
  auto elector = keep(spawn_elector(
    sys, elector_config{dispatcher, arbiter, [g] { return (*g)(); }}));
  leader_config drains{dispatcher, "a:6123"};
  drains.drains = true;
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector), drains);
  auto b = make_app("b", caf::actor_cast<elector_actor>(elector));
  REQUIRE(events_of(a).size() == 1);
  auto epoch = events_of(a)[0].token.epoch;
  ask<caf::ok_atom>(elector, transfer_atom::value, std::string{"b:6123"});
  auto seen = events_of(a);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].kind == "draining");
  CHECK(seen[1].token.epoch == epoch);
  CHECK(token(a).epoch == epoch);
  CHECK(events_of(b).empty());
  self->send(a.app, drained_atom::value);
  run();
  seen = events_of(a);
  REQUIRE(seen.size() == 3);
  check_not_leading(seen[2], errc::not_leader);
  REQUIRE(events_of(b).size() == 1);
  check_leading(events_of(b)[0], epoch + 1);
}

TEST_CASE_METHOD(leader_fixture,
                 "a drain for a grant whose confirmation has not come back "
                 "is answered at once, and the helper does not lead on it",
                 "[leader][handover]") {
  auto [elector, st] = make_fake_elector();
  leader_config drains{dispatcher, "a:6123"};
  drains.drains = true;
  auto a = make_app("a", caf::actor_cast<elector_actor>(elector), drains);
  st->hold_confirm = true;
  auto session = new_session();
  st->current.insert(session);
  self->send(elector, grant_atom::value, session, epoch_t{1});
  run();
  CHECK(st->calls.back() == "confirm");
  self->send(elector, drain_atom::value, session);
  run();
  CHECK(std::count(st->calls.begin(), st->calls.end(), "drained") == 1);
  self->send(elector, caf::ok_atom::value);
  run();
  CHECK(events_of(a).empty());
  CHECK(token(a).empty());
}
