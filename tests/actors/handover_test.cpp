// Handing leadership over on purpose: priorities, transfer to a named
// contender, fail-back and draining, driven by messages through an elector
// on the memory arbiter under CAF's deterministic scheduler.

#include "caf_ha/actors/elector.hpp"

#include <boost/uuid/random_generator.hpp>

#include "tests/support/actor_fixture.hpp"
#include "tests/support/inbox_spy.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr const char* dispatcher = "dispatcher";

struct handover_fixture : actor_fixture {
  std::shared_ptr<inbox_spy> arbiter = std::make_shared<inbox_spy>();
  std::shared_ptr<boost::uuids::random_generator> gen
    = std::make_shared<boost::uuids::random_generator>();
  elector_impl elector;

  handover_fixture() {
    auto g = gen;
    elector_config cfg{dispatcher, arbiter, [g] { return (*g)(); }};
    cfg.drain_timeout = std::chrono::seconds(5);
    elector = keep(spawn_elector(sys, std::move(cfg)));
  }

  /// The drain timer fires only when a test says so.
  bool trigger_timeout() override {
    return false;
  }

  void join(const recorder<contender_actor>& c, contender_options options) {
    ask<caf::ok_atom>(elector, join_atom::value, c.handle, std::move(options));
  }

  /// Joins `c`, declaring `address`, and confirms its grant if it gets one.
  void join_and_confirm(const recorder<contender_actor>& c,
                        contender_options options) {
    auto address = options.address;
    join(c, std::move(options));
    if (!c.log->empty() && c.last().kind == "grant")
      CHECK(ask<bool>(elector, confirm_atom::value, c.last().info.session,
                      address));
  }

  caf::expected<caf::ok_atom> transfer(const std::string& to) {
    return ask_expected<caf::ok_atom>(elector, transfer_atom::value, to);
  }

  std::vector<participant> participants() {
    return ask<std::vector<participant>>(elector, participants_atom::value);
  }

  /// The fence check of the memory arbiter for `epoch`.
  caf::error fence(epoch_t epoch) {
    return arbiter->run_fenced(fencing_token{dispatcher, epoch},
                               [] { return caf::error{}; });
  }
};

std::vector<std::string> kinds(const record_log& log) {
  std::vector<std::string> result;
  for (auto& r : *log)
    result.push_back(r.kind);
  return result;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE_METHOD(handover_fixture,
                 "a free election goes to the highest priority, ties to the "
                 "first that joined, and a waiting one never displaces the "
                 "leader without fail-back",
                 "[handover]") {
  auto a = make_contender();
  auto low = make_contender();
  auto high1 = make_contender();
  auto high2 = make_contender();
  join_and_confirm(a, {"a:1", 0});
  join(low, {"low:1", 1});
  join(high1, {"high1:1", 7});
  join(high2, {"high2:1", 7});
  CHECK(kinds(a.log) == strings{"grant"});
  CHECK(high1.log->empty());
  ask<caf::ok_atom>(elector, leave_atom::value, a.handle);
  CHECK(kinds(high1.log) == strings{"grant"});
  CHECK(high2.log->empty());
  CHECK(low.log->empty());
  auto listed = participants();
  REQUIRE(listed.size() == 3);
  CHECK(listed[1].address == "high1:1");
  CHECK(listed[1].priority == 7);
  CHECK(listed[1].state == "granted");
}

TEST_CASE_METHOD(handover_fixture,
                 "transfer revokes the leader and grants the named contender "
                 "before any other, then the old leader waits behind",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  auto c = make_contender();
  join_and_confirm(a, {"a:1"});
  join(b, {"b:1"});
  join(c, {"c:1"});
  auto old_epoch = a.last().info.epoch;
  REQUIRE(transfer("c:1"));
  CHECK(kinds(a.log) == strings{"grant", "revoke"});
  CHECK(b.log->empty());
  REQUIRE(kinds(c.log) == strings{"grant"});
  CHECK(c.last().info.epoch > old_epoch);
  CHECK(is(fence(old_epoch), errc::fenced));
  CHECK_FALSE(fence(c.last().info.epoch));
  // The old leader queued again behind b.
  ask<caf::ok_atom>(elector, leave_atom::value, c.handle);
  CHECK(kinds(b.log) == strings{"grant"});
  CHECK(kinds(a.log) == strings{"grant", "revoke"});
}

TEST_CASE_METHOD(handover_fixture,
                 "transfer to an unknown address, to the leader itself, or "
                 "to a malformed address fails with a clear error and leaves "
                 "the leader in place",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  join_and_confirm(a, {"a:1"});
  join(b, {"b:1"});
  auto unknown = transfer("nobody:1");
  REQUIRE_FALSE(unknown);
  CHECK(is(unknown.error(), errc::not_found));
  CHECK_THAT(describe(unknown.error()), Catch::Contains("nobody:1"));
  auto itself = transfer("a:1");
  REQUIRE_FALSE(itself);
  CHECK(is(itself.error(), errc::invalid_argument));
  CHECK_THAT(describe(itself.error()), Catch::Contains("leads already"));
  auto malformed = transfer(std::string{"b:1\n"});
  REQUIRE_FALSE(malformed);
  CHECK(is(malformed.error(), errc::invalid_argument));
  CHECK(kinds(a.log) == strings{"grant"});
  CHECK(b.log->empty());
  CHECK_FALSE(fence(a.last().info.epoch));
}

TEST_CASE_METHOD(handover_fixture,
                 "transfer to a contender that died fails and leaves the "
                 "leader in place",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  join_and_confirm(a, {"a:1"});
  join(b, {"b:1"});
  kill(b.handle.address());
  auto refused = transfer("b:1");
  REQUIRE_FALSE(refused);
  CHECK(is(refused.error(), errc::not_found));
  CHECK(kinds(a.log) == strings{"grant"});
}

TEST_CASE_METHOD(handover_fixture,
                 "a draining leader is asked to drain, keeps its grant until "
                 "it says drained, then the named contender is granted",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  auto c = make_contender();
  join_and_confirm(a, {"a:1", 0, true});
  join(b, {"b:1"});
  join(c, {"c:1"});
  auto session = a.last().info.session;
  auto epoch = a.last().info.epoch;
  REQUIRE(transfer("c:1"));
  CHECK(kinds(a.log) == strings{"grant", "drain"});
  CHECK(c.log->empty());
  CHECK_FALSE(fence(epoch));
  CHECK(participants()[0].state == "draining");
  auto second = transfer("b:1");
  REQUIRE_FALSE(second);
  CHECK(is(second.error(), errc::already_exists));
  // A stranger's session is not draining.
  CHECK_FALSE(ask<bool>(elector, drained_atom::value, session_id{}));
  CHECK(ask<bool>(elector, drained_atom::value, session));
  CHECK(kinds(a.log) == strings{"grant", "drain", "revoke"});
  CHECK(kinds(c.log) == strings{"grant"});
  CHECK(b.log->empty());
  CHECK(is(fence(epoch), errc::fenced));
  CHECK_FALSE(ask<bool>(elector, drained_atom::value, session));
}

TEST_CASE_METHOD(handover_fixture,
                 "a leader that does not drain in time is revoked anyway and "
                 "fenced, and the named contender is granted",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  join_and_confirm(a, {"a:1", 0, true});
  join(b, {"b:1"});
  auto epoch = a.last().info.epoch;
  REQUIRE(transfer("b:1"));
  CHECK(kinds(a.log) == strings{"grant", "drain"});
  CHECK(b.log->empty());
  sched.advance_time(std::chrono::seconds(4));
  run();
  CHECK(b.log->empty());
  sched.advance_time(std::chrono::seconds(1));
  run();
  CHECK(kinds(a.log) == strings{"grant", "drain", "revoke"});
  CHECK(kinds(b.log) == strings{"grant"});
  CHECK(is(fence(epoch), errc::fenced));
}

TEST_CASE_METHOD(handover_fixture,
                 "a draining leader that resigns is revoked after it "
                 "drained, one whose grant was not confirmed yet at once",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  join_and_confirm(a, {"a:1", 0, true});
  join(b, {"b:1", 0, true});
  auto session = a.last().info.session;
  CHECK(ask<bool>(elector, resign_atom::value, session));
  CHECK(kinds(a.log) == strings{"grant", "drain"});
  CHECK(ask<bool>(elector, drained_atom::value, session));
  CHECK(kinds(a.log) == strings{"grant", "drain", "revoke"});
  REQUIRE(kinds(b.log) == strings{"grant"});
  // b never confirmed: it did no leader work, nothing to drain.
  CHECK(ask<bool>(elector, resign_atom::value, b.last().info.session));
  CHECK(kinds(b.log) == strings{"grant", "revoke"});
  CHECK(kinds(a.log) == strings{"grant", "drain", "revoke", "grant"});
}

TEST_CASE_METHOD(handover_fixture,
                 "with fail-back a contender of higher priority that joins "
                 "takes over through a handover, a lower or equal one "
                 "waits",
                 "[handover]") {
  arbiter->fail_back({"dispatcher"});
  auto a = make_contender();
  auto same = make_contender();
  auto high = make_contender();
  join_and_confirm(a, {"a:1", 3, true});
  join(same, {"same:1", 3});
  CHECK(kinds(a.log) == strings{"grant"});
  join(high, {"high:1", 9});
  CHECK(kinds(a.log) == strings{"grant", "drain"});
  CHECK(high.log->empty());
  CHECK(ask<bool>(elector, drained_atom::value, a.log->front().info.session));
  CHECK(kinds(high.log) == strings{"grant"});
  CHECK(same.log->empty());
  CHECK(kinds(a.log) == strings{"grant", "drain", "revoke"});
}

TEST_CASE_METHOD(handover_fixture,
                 "without fail-back for the component a higher priority "
                 "waits for a free election",
                 "[handover]") {
  arbiter->fail_back({"resource_manager"});
  auto a = make_contender();
  auto high = make_contender();
  join_and_confirm(a, {"a:1"});
  join(high, {"high:1", 9});
  CHECK(kinds(a.log) == strings{"grant"});
  CHECK(high.log->empty());
}

TEST_CASE_METHOD(handover_fixture,
                 "with fail-back a transfer to a lower priority stays: the "
                 "old leader queues again without failing back",
                 "[handover]") {
  arbiter->fail_back({"dispatcher"});
  auto high = make_contender();
  auto low = make_contender();
  join_and_confirm(high, {"high:1", 10});
  join(low, {"low:1", 0});
  REQUIRE(transfer("low:1"));
  REQUIRE(kinds(low.log) == strings{"grant"});
  CHECK(ask<bool>(elector, confirm_atom::value, low.last().info.session,
                  std::string{"low:1"}));
  CHECK(kinds(high.log) == strings{"grant", "revoke"});
  CHECK(kinds(low.log) == strings{"grant"});
  CHECK(participants()[0].state == "leader");
}

TEST_CASE_METHOD(handover_fixture,
                 "with fail-back the highest priority that resigns hands "
                 "over for good, until it joins afresh",
                 "[handover]") {
  arbiter->fail_back({"dispatcher"});
  auto high = make_contender();
  auto low = make_contender();
  join_and_confirm(high, {"high:1", 20});
  join(low, {"low:1", 0});
  CHECK(ask<bool>(elector, resign_atom::value, high.last().info.session));
  REQUIRE(kinds(low.log) == strings{"grant"});
  CHECK(kinds(high.log) == strings{"grant", "revoke"});
  // Joining afresh fails back.
  CHECK(ask<bool>(elector, confirm_atom::value, low.last().info.session,
                  std::string{"low:1"}));
  ask<caf::ok_atom>(elector, leave_atom::value, high.handle);
  join(high, {"high:1", 20});
  CHECK(kinds(low.log) == strings{"grant", "revoke"});
  CHECK(kinds(high.log) == strings{"grant", "revoke", "grant"});
}

TEST_CASE_METHOD(handover_fixture,
                 "a transfer to an address several contenders declared is "
                 "refused: it needs exactly one",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  auto impostor = make_contender();
  join_and_confirm(a, {"a:1"});
  join(b, {"b:1"});
  join(impostor, {"b:1", 5});
  auto refused = transfer("b:1");
  REQUIRE_FALSE(refused);
  CHECK(is(refused.error(), errc::invalid_argument));
  CHECK_THAT(describe(refused.error()),
             Catch::Contains("2 contenders declared the address b:1"));
  CHECK(kinds(a.log) == strings{"grant"});
}

TEST_CASE_METHOD(handover_fixture,
                 "a draining leader that resigns counts as drained: the "
                 "named contender is granted at once",
                 "[handover]") {
  auto a = make_contender();
  auto b = make_contender();
  join_and_confirm(a, {"a:1", 0, true});
  join(b, {"b:1"});
  REQUIRE(transfer("b:1"));
  CHECK(kinds(a.log) == strings{"grant", "drain"});
  CHECK(ask<bool>(elector, resign_atom::value, a.log->front().info.session));
  CHECK(kinds(a.log) == strings{"grant", "drain", "revoke"});
  CHECK(kinds(b.log) == strings{"grant"});
}
