// The contract of backends/metadata_store.hpp for writers: fencing, batches,
// several instances on the same data, the job graph change log, epochs and
// clear. Written once and run against every implementation.

#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "caf_ha/backends/require_fence.hpp"
#include "tests/backends/metadata_store_test_support.hpp"

using namespace ha;
using namespace ha::test;

namespace {

/// One op of each kind, all for job 1, all carrying `token`.
std::vector<write_op> every_kind_of_op(const fencing_token& token) {
  return {put_job_graph_op{make_graph(1), token},
          remove_job_graph_op{make_job(1), token},
          create_dirty_result_op{{make_job(1), "FAILED", 5, false}, token},
          mark_result_clean_op{make_job(1), token},
          set_scheduling_status_op{make_job(1), scheduling_status::running,
                                   token},
          add_checkpoint_op{make_checkpoint(1, 1), 3, token, {}},
          increment_counter_op{make_job(1), token},
          set_counter_op{make_job(1), 42, token},
          shutdown_checkpoints_op{make_job(1), job_status::finished, token}};
}

} // namespace

// -- fencing
// --------------------------------------------------------------------

TEST_CASE("every kind of write with an epoch that is no longer current is "
          "fenced and changes nothing, before the successor wrote",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto old_epoch = opener.grant("dispatcher");
  REQUIRE(code_of(apply_op(*store, set_counter_op{make_job(1), 7,
                                                  fence("dispatcher",
                                                        old_epoch)}))
          == "none");
  // Revoked without a successor, then with one that wrote nothing yet.
  for (auto successor : {false, true}) {
    CAPTURE(successor);
    if (successor)
      opener.grant("dispatcher");
    else
      opener.end_grant("dispatcher");
    auto ops = every_kind_of_op(fence("dispatcher", old_epoch));
    auto errors = store->apply(ops);
    REQUIRE(errors.size() == ops.size());
    for (auto& err : errors) {
      CHECK(code_of(err) == "fenced");
      CHECK_THAT(describe(err),
                 Catch::Contains("dispatcher")
                   && Catch::Contains("epoch " + std::to_string(old_epoch))
                   && Catch::Contains(to_string(make_job(1))));
    }
    CHECK(!has_graph(*store, 1));
    CHECK(!has_result(*store, 1));
    CHECK(*store->get_scheduling_status(make_job(1))
          == scheduling_status::pending);
    CHECK(retained_ids(*store, 1).empty());
    CHECK(*store->counter(make_job(1)) == 7);
  }
}

TEST_CASE("every kind of write with the current epoch passes, again and "
          "again",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto epoch = opener.grant("dispatcher");
  auto ops = every_kind_of_op(fence("dispatcher", epoch));
  for (auto& err : store->apply(ops))
    CHECK(code_of(err) == "none");
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 2,
                                                fence("dispatcher", epoch)}))
        == "none");
  auto successor = opener.grant("dispatcher");
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 3,
                                                fence("dispatcher",
                                                      successor)}))
        == "none");
  CHECK(*store->counter(make_job(1)) == 3);
}

TEST_CASE("an epoch never issued for the component is invalid_argument and "
          "changes nothing",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto set = [&](uint64_t value, const std::string& component, epoch_t epoch) {
    return apply_op(*store,
                    set_counter_op{make_job(1), value, fence(component, epoch)});
  };
  // No election of the component at all, then above its last grant, the
  // maximum (which once poisoned the fence) and 0.
  CHECK(code_of(set(5, "dispatcher", 1)) == "invalid_argument");
  auto epoch = opener.grant("dispatcher");
  for (auto bad : {epoch + 1, epoch + 1000,
                   std::numeric_limits<epoch_t>::max(), epoch_t{0}}) {
    CAPTURE(bad);
    auto err = set(6, "dispatcher", bad);
    CHECK(code_of(err) == "invalid_argument");
    CHECK_THAT(describe(err),
               Catch::Contains("dispatcher")
                 && Catch::Contains("epoch " + std::to_string(bad)));
  }
  CHECK(*store->counter(make_job(1)) == 1);
  // The real leader is not poisoned by any of it.
  CHECK(code_of(set(7, "dispatcher", epoch)) == "none");
  CHECK(*store->counter(make_job(1)) == 7);
}

TEST_CASE("ZooKeeper: a queued follower's epoch was never granted",
          "[metadata_store]") {
  store_opener opener{"zookeeper"};
  auto store = opener.open();
  auto leader = opener.grant("dispatcher");
  auto follower = opener.zk_queue("dispatcher");
  CHECK(follower > leader);
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 5,
                                                fence("dispatcher",
                                                      follower)}))
        == "invalid_argument");
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 6,
                                                fence("dispatcher", leader)}))
        == "none");
  CHECK(*store->counter(make_job(1)) == 6);
}

TEST_CASE("components' grants are independent, a job manager's hex is read "
          "in either case, a non-component is invalid_argument",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto jm = component::job_manager(make_job(1)); // lowercase hex
  auto jm_upper = jm;
  for (auto i = jm_upper.find('/'); i < jm_upper.size(); ++i)
    if (jm_upper[i] >= 'a' && jm_upper[i] <= 'f')
      jm_upper[i] = static_cast<char>(jm_upper[i] - 'a' + 'A');
  REQUIRE(jm_upper != jm);
  auto set = [&](uint64_t value, const std::string& component, epoch_t epoch) {
    return code_of(apply_op(
      *store, set_counter_op{make_job(1), value, fence(component, epoch)}));
  };
  auto dispatcher = opener.grant("dispatcher");
  auto jm_epoch = opener.grant(jm);
  CHECK(set(5, "dispatcher", dispatcher) == "none");
  CHECK(set(6, jm_upper, jm_epoch) == "none");
  CHECK(set(7, jm, jm_epoch) == "none");
  opener.end_grant(jm);
  CHECK(set(8, jm_upper, jm_epoch) == "fenced");
  CHECK(set(9, jm, jm_epoch) == "fenced");
  CHECK(set(10, "dispatcher", dispatcher) == "none");
  CHECK(*store->counter(make_job(1)) == 10);
  for (auto bad : {"Dispatcher", "dispatcher ", "job_manager/12", "x"}) {
    CAPTURE(bad);
    auto err = apply_op(*store, set_counter_op{make_job(1), 11,
                                               fence(bad, dispatcher)});
    CHECK(code_of(err) == "invalid_argument");
    CHECK_THAT(describe(err), Catch::Contains(bad));
  }
  CHECK(*store->counter(make_job(1)) == 10);
}

TEST_CASE("a write without a fencing token is never fenced",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  opener.grant("dispatcher");
  opener.end_grant("dispatcher");
  auto ops = every_kind_of_op({});
  for (auto& err : store->apply(ops))
    CHECK(code_of(err) == "none");
}

TEST_CASE("require-fence refuses unfenced writes naming the key and passes "
          "fenced ones",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = require_fence(opener.open());
  auto epoch = opener.grant("dispatcher");
  std::vector<write_op> ops{
    set_counter_op{make_job(1), 4, {}},
    increment_counter_op{make_job(2), fence("dispatcher", epoch)},
    put_job_graph_op{make_graph(3), {}},
  };
  auto errors = store->apply(ops);
  REQUIRE(errors.size() == 3);
  CHECK(code_of(errors[0]) == "invalid_argument");
  CHECK_THAT(describe(errors[0]),
             Catch::Contains("ha.store.require-fence")
               && Catch::Contains(to_string(make_job(1))));
  CHECK(code_of(errors[1]) == "none");
  CHECK(std::get<increment_counter_op>(ops[1]).value == 1);
  CHECK(code_of(errors[2]) == "invalid_argument");
  CHECK(*store->counter(make_job(1)) == 1);
  CHECK(*store->counter(make_job(2)) == 2);
  CHECK(!has_graph(*store, 3));
}

// -- batches
// ----------------------------------------------------------------------

TEST_CASE("in a batch, failing writes are undone alone and the others "
          "persist in order",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store,
           create_dirty_result_op{{make_job(2), "FAILED", 1, false}, {}});
  auto revoked = opener.grant("dispatcher");
  auto current = opener.grant("dispatcher");
  std::vector<write_op> ops{
    put_job_graph_op{make_graph(1), fence("dispatcher", current)},
    create_dirty_result_op{{make_job(2), "FAILED", 2, false}, {}},
    put_job_graph_op{make_graph(3), fence("dispatcher", revoked)},
    mark_result_clean_op{make_job(4), {}},
    increment_counter_op{make_job(5), {}},
    put_job_graph_op{make_graph(6), {}},
    remove_job_graph_op{make_job(6), {}},
    increment_counter_op{make_job(5), {}},
  };
  auto errors = store->apply(ops);
  REQUIRE(errors.size() == ops.size());
  std::vector<std::string> codes;
  for (auto& err : errors)
    codes.push_back(code_of(err));
  CHECK(codes
        == std::vector<std::string>{"none", "already_exists", "fenced",
                                    "not_found", "none", "none", "none",
                                    "none"});
  CHECK(has_graph(*store, 1));
  CHECK(!has_graph(*store, 3));
  CHECK(!has_graph(*store, 6));
  CHECK(store->job_result(make_job(2))->value().timestamp_ms == 1);
  CHECK(!has_result(*store, 4));
  CHECK(std::get<increment_counter_op>(ops[4]).value == 1);
  CHECK(std::get<increment_counter_op>(ops[7]).value == 2);
  CHECK(*store->counter(make_job(5)) == 3);
}

TEST_CASE("an empty batch succeeds", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  std::vector<write_op> ops;
  CHECK(store->apply(ops).empty());
}

// -- several instances, change log, epochs, clear
// --------------------------------

TEST_CASE("reads on one instance see the writes another acknowledged",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto writer = opener.open();
  auto reader = opener.open();
  apply_op(*writer, put_job_graph_op{make_graph(1), {}});
  apply_op(*writer,
           create_dirty_result_op{{make_job(1), "FAILED", 1, false}, {}});
  apply_op(*writer, add_checkpoint_op{make_checkpoint(1, 3), 1, {}, {}});
  CHECK(has_graph(*reader, 1));
  CHECK(has_result(*reader, 1));
  CHECK(retained_ids(*reader, 1) == std::vector<uint64_t>{3});
  CHECK(next_id(*reader, 1) == 1);
  CHECK(next_id(*writer, 1) == 2);
}

TEST_CASE("fencing applies across instances", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto successor = opener.open();
  auto paused = opener.open();
  auto old_epoch = opener.grant("dispatcher");
  apply_op(*paused, put_job_graph_op{make_graph(1), fence("dispatcher",
                                                          old_epoch)});
  auto new_epoch = opener.grant("dispatcher");
  apply_op(*successor,
           put_job_graph_op{make_graph(2), fence("dispatcher", new_epoch)});
  auto err = apply_op(*paused, remove_job_graph_op{make_job(1),
                                                   fence("dispatcher",
                                                         old_epoch)});
  CHECK(code_of(err) == "fenced");
  CHECK(has_graph(*successor, 1));
}

TEST_CASE("a second instance sees the first's job graph changes with the "
          "first's origin",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto first = opener.open();
  auto second = opener.open();
  CHECK(first->origin() != second->origin());
  CHECK(*second->last_job_graph_change() == 0);
  CHECK(second->job_graph_changes(0)->empty());
  apply_op(*first, put_job_graph_op{make_graph(1), {}});
  apply_op(*first, put_job_graph_op{make_graph(2), {}});
  apply_op(*first, remove_job_graph_op{make_job(1), {}});
  auto changes = second->job_graph_changes(0);
  REQUIRE(changes);
  REQUIRE(changes->size() == 3);
  auto& log = *changes;
  CHECK(log[0].id == make_job(1));
  CHECK(log[0].added);
  CHECK(log[1].id == make_job(2));
  CHECK(log[1].added);
  CHECK(log[2].id == make_job(1));
  CHECK(!log[2].added);
  CHECK(log[0].sequence < log[1].sequence);
  CHECK(log[1].sequence < log[2].sequence);
  for (auto& change : log)
    CHECK(change.origin == first->origin());
  CHECK(*second->last_job_graph_change() == log[2].sequence);
  CHECK(second->job_graph_changes(log[2].sequence)->empty());
  auto tail = second->job_graph_changes(log[0].sequence);
  REQUIRE(tail->size() == 2);
  CHECK(tail->front().sequence == log[1].sequence);
  apply_op(*second, remove_job_graph_op{make_job(2), {}});
  auto newest = first->job_graph_changes(log[2].sequence);
  REQUIRE(newest->size() == 1);
  CHECK(newest->front().origin == second->origin());
}

TEST_CASE("the change log records additions and removals, not replacements "
          "or removals of absent graphs",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, put_job_graph_op{make_graph(1), {}});
  apply_op(*store, put_job_graph_op{make_graph(1, "renamed"), {}});
  apply_op(*store, remove_job_graph_op{make_job(2), {}});
  apply_op(*store, remove_job_graph_op{make_job(1), fence("dispatcher", 1)});
  apply_op(*store, remove_job_graph_op{make_job(1), {}});
  apply_op(*store, put_job_graph_op{make_graph(1), fence("dispatcher", 0)});
  auto changes = store->job_graph_changes(0);
  REQUIRE(changes);
  std::vector<bool> added;
  for (auto& change : *changes)
    added.push_back(change.added);
  CHECK(added == std::vector<bool>{true, false});
}

TEST_CASE("reserved epoch ranges start at 1, grow and never overlap",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto first = opener.open();
  auto second = opener.open();
  CHECK(*first->reserve_epochs(10) == 1);
  CHECK(*second->reserve_epochs(5) == 11);
  CHECK(*first->reserve_epochs(1) == 16);
  CHECK(*second->reserve_epochs(uint64_t{1} << 20) == 17);
  CHECK(*first->reserve_epochs(1) == 17 + (uint64_t{1} << 20));
  auto none = first->reserve_epochs(0);
  REQUIRE(!none);
  CHECK(code_of(none.error()) == "invalid_argument");
}

TEST_CASE("clear deletes every record and the store stays usable",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto other = opener.open();
  auto ops = every_kind_of_op(fence("dispatcher", opener.grant("dispatcher")));
  ops.erase(ops.begin() + 1); // keep the graph
  ops.pop_back();             // keep checkpoints and counter
  store->apply(ops);
  apply_op(*store, put_job_graph_op{make_graph(2), {}});
  auto last = *store->last_job_graph_change();
  auto epochs = *store->reserve_epochs(3);
  REQUIRE(has_graph(*store, 1));
  REQUIRE(!retained_ids(*store, 1).empty());
  CHECK(!store->clear());
  CHECK(store->job_graph_ids()->empty());
  CHECK(other->job_graph_ids()->empty());
  CHECK(!has_result(*other, 1));
  CHECK(other->job_results(false)->empty());
  CHECK(other->job_results(true)->empty());
  CHECK(*other->get_scheduling_status(make_job(1))
        == scheduling_status::pending);
  CHECK(retained_ids(*other, 1).empty());
  CHECK(*other->counter(make_job(1)) == 1);
  CHECK(other->job_graph_changes(0)->empty());
  CHECK(*other->last_job_graph_change() == 0);
  // Grants are the election's, not records: the leader still writes.
  // Reserved epochs and change sequence numbers keep growing so that
  // nothing is ever handed out twice.
  CHECK(code_of(apply_op(
          *other, put_job_graph_op{make_graph(3), fence("dispatcher", 1)}))
        == "none");
  CHECK(*other->last_job_graph_change() > last);
  CHECK(*other->reserve_epochs(1) >= epochs + 3);
  CHECK(next_id(*other, 1) == 1);
}
