// ZooKeeper mode, handovers between processes: a transfer to a named
// contender, a free election won by the highest priority, and fail-back.
// Each test plays the electors itself: it receives the driver's reports and
// does what an elector does on `resign(candidate)` once the leader drained
// (leave, join again as a new candidate).

#include <chrono>
#include <string>
#include <utility>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "tests/backends/zookeeper_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zookeeper_server.hpp"

using namespace ha;
using namespace ha::test;
using namespace std::chrono_literals;

namespace {

const std::string test_component = "dispatcher";

election_events_actor events_of(caf::scoped_actor& self) {
  return caf::actor_cast<election_events_actor>(self);
}

/// The next grant reported to `self` (candidate, epoch), skipping at most a
/// few other reports; fails the test if none comes within 20 s.
std::pair<uint64_t, epoch_t> await_granted(caf::scoped_actor& self) {
  std::pair<uint64_t, epoch_t> result{0, 0};
  for (int i = 0; i < 8 && result.first == 0; ++i)
    self->receive(
      [&](granted_atom, uint64_t candidate, epoch_t epoch) {
        result = {candidate, epoch};
      },
      [](revoked_atom, uint64_t) {}, [](resign_atom, uint64_t) {},
      [](driver_error_atom, const caf::error&) {},
      caf::after(20s) >> [] { FAIL("no grant within 20 s"); });
  REQUIRE(result.first != 0);
  return result;
}

/// True if `self` hears nothing within `window`.
bool quiet(caf::scoped_actor& self, std::chrono::milliseconds window) {
  bool heard = false;
  self->receive([&](caf::message&) { heard = true; },
                caf::after(window) >> [] {});
  return !heard;
}

/// A write fenced with `epoch` of the component.
caf::error fenced_write(metadata_store& store, uint8_t job, epoch_t epoch) {
  return write_fenced_result(store, {test_component, epoch}, job);
}

struct two_processes {
  temp_dir storage;
  zk_test_config cfg;
  caf::actor_system sys{cfg};
  std::string root = unique_zookeeper_root();
  zk_process first;
  zk_process second;
  caf::scoped_actor events1{sys};
  caf::scoped_actor events2{sys};
  caf::scoped_actor admin{sys};

  explicit two_processes(std::vector<std::string> first_options = {})
    : first(zookeeper_quorum(), root, storage, std::move(first_options)),
      second(zookeeper_quorum(), root, storage) {
    // nop
  }

  /// What the first process's elector does with a leader that drained.
  void requeue_first(uint64_t old_candidate, uint64_t new_candidate,
                     const contender_options& options) {
    first.be.election->leave(test_component, old_candidate);
    first.be.election->join(test_component, new_candidate, options,
                            events_of(events1));
  }
};

} // namespace

TEST_CASE("zookeeper: a transfer from another process steps the leader "
          "down, then grants the named contender before one that waited "
          "longer, with a higher epoch, and fences the old one",
          "[zookeeper][transfer]") {
  two_processes p;
  contender_options a{"a:1"};
  p.first.be.election->join(test_component, 1, a, events_of(p.events1));
  auto old = await_granted(p.events1);
  // Joins and the transfer run in this order on the second's one worker.
  p.second.be.election->join(test_component, 1, {"b:1"}, events_of(p.events2));
  p.second.be.election->join(test_component, 2, {"c:1"}, events_of(p.events2));
  p.second.be.election->transfer(test_component, "c:1", 7, events_of(p.admin));
  CHECK(next_report(p.admin) == "transfer ok");
  CHECK(await_report(p.events1, "resign") == "resign 1");
  auto store = p.first.open_store();
  // Draining: it still leads, and its writes still pass.
  CHECK_FALSE(fenced_write(*store, 1, old.second));
  CHECK(quiet(p.events2, 300ms));
  p.requeue_first(1, 2, a);
  auto next = await_granted(p.events2);
  CHECK(next.first == 2);
  CHECK(next.second > old.second);
  CHECK(is(fenced_write(*store, 2, old.second), errc::fenced));
  CHECK_FALSE(fenced_write(*store, 3, next.second));
  CHECK(quiet(p.events2, 300ms));
  CHECK(quiet(p.events1, 300ms));
}

TEST_CASE("zookeeper: a transfer to an address nobody declared or to the "
          "leader itself fails and leaves the leader in place",
          "[zookeeper][transfer]") {
  two_processes p;
  p.first.be.election->join(test_component, 1, {"a:1"}, events_of(p.events1));
  await_granted(p.events1);
  p.second.be.election->join(test_component, 1, {"b:1"}, events_of(p.events2));
  p.second.be.election->transfer(test_component, "nobody:1", 1,
                                 events_of(p.admin));
  CHECK_THAT(next_report(p.admin),
             Catch::Contains("no contender declared the address nobody:1"));
  p.second.be.election->transfer(test_component, "a:1", 2, events_of(p.admin));
  CHECK_THAT(next_report(p.admin), Catch::Contains("a:1 leads already"));
  CHECK(quiet(p.events1, 300ms));
  CHECK(quiet(p.events2, 100ms));
}

TEST_CASE("zookeeper: a free election goes to the highest priority of every "
          "process, not to the node that waited longest",
          "[zookeeper][transfer]") {
  two_processes p;
  p.first.be.election->join(test_component, 1, {"a:1"}, events_of(p.events1));
  auto old = await_granted(p.events1);
  p.second.be.election->join(test_component, 1, {"low:1", 1},
                             events_of(p.events2));
  p.second.be.election->join(test_component, 2, {"high:1", 5},
                             events_of(p.events2));
  // Without fail-back the leader keeps its grant.
  CHECK(quiet(p.events1, 300ms));
  p.second.be.election->transfer(test_component, "nobody:1", 1,
                                 events_of(p.admin));
  next_report(p.admin); // Both joins are done on the second's worker.
  p.first.be.election->leave(test_component, 1);
  auto next = await_granted(p.events2);
  CHECK(next.first == 2);
  CHECK(next.second > old.second);
}

TEST_CASE("zookeeper: with fail-back the leader hands over to a contender "
          "of higher priority that joins in another process",
          "[zookeeper][transfer]") {
  two_processes p{{"ha.election.fail-back=dispatcher"}};
  contender_options a{"a:1", 2};
  p.first.be.election->join(test_component, 1, a, events_of(p.events1));
  auto old = await_granted(p.events1);
  p.second.be.election->join(test_component, 1, {"same:1", 2},
                             events_of(p.events2));
  CHECK(quiet(p.events1, 300ms));
  p.second.be.election->join(test_component, 2, {"high:1", 9},
                             events_of(p.events2));
  CHECK(await_report(p.events1, "resign") == "resign 1");
  p.requeue_first(1, 2, a);
  auto next = await_granted(p.events2);
  CHECK(next.first == 2);
  CHECK(next.second > old.second);
}

TEST_CASE("zookeeper: of two transfers asked at once in two processes one "
          "starts, the other is refused, and none is lost silently",
          "[zookeeper][transfer]") {
  two_processes p;
  p.first.be.election->join(test_component, 1, {"a:1"}, events_of(p.events1));
  await_granted(p.events1);
  p.second.be.election->join(test_component, 1, {"b:1"},
                             events_of(p.events2));
  p.second.be.election->join(test_component, 2, {"c:1"},
                             events_of(p.events2));
  p.second.be.election->transfer(test_component, "nobody:1", 1,
                                 events_of(p.admin));
  next_report(p.admin); // Both joins are done on the second's worker.
  caf::scoped_actor other{p.sys};
  p.first.be.election->transfer(test_component, "b:1", 2, events_of(p.admin));
  p.second.be.election->transfer(test_component, "c:1", 3,
                                 events_of(other));
  auto answers = next_report(p.admin) + " | " + next_report(other);
  INFO(answers);
  auto started = answers.find("transfer ok") != std::string::npos;
  auto refused = answers.find("another handover") != std::string::npos;
  CHECK(started);
  CHECK(refused);
}

TEST_CASE("zookeeper: with fail-back a transfer to a lower priority stays: "
          "fail-back counts only contenders that join after the grant",
          "[zookeeper][transfer]") {
  // The second process leads with the highest priority; the first, with
  // fail-back, takes over by transfer.
  two_processes p{{"ha.election.fail-back=dispatcher"}};
  p.second.be.election->join(test_component, 1, {"high:1", 9},
                             events_of(p.events2));
  await_granted(p.events2);
  p.second.be.election->join(test_component, 2, {"middle:1", 5},
                             events_of(p.events2));
  p.first.be.election->join(test_component, 1, {"low:1", 0},
                            events_of(p.events1));
  CHECK(quiet(p.events2, 300ms));
  p.first.be.election->transfer(test_component, "low:1", 1,
                                events_of(p.admin));
  CHECK(next_report(p.admin) == "transfer ok");
  CHECK(await_report(p.events2, "resign") == "resign 1");
  p.second.be.election->requeue(test_component, 1, 3, {"high:1", 9},
                                events_of(p.events2));
  CHECK(await_granted(p.events1).first == 1);
  // Neither the one that stepped down nor the one that waited takes it back.
  CHECK(quiet(p.events1, 500ms));
}
