// The contract of backends/metadata_store.hpp for writers: fencing, batches,
// several instances on the same data, the job graph change log, epochs and
// clear. Written once and run against every implementation.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

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

TEST_CASE("every kind of write with an older epoch is fenced and changes "
          "nothing",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, set_counter_op{make_job(1), 7, fence("dispatcher", 5)});
  auto ops = every_kind_of_op(fence("dispatcher", 4));
  auto errors = store->apply(ops);
  REQUIRE(errors.size() == ops.size());
  for (auto& err : errors) {
    CHECK(code_of(err) == "fenced");
    CHECK_THAT(describe(err),
               Catch::Contains("dispatcher")
                 && Catch::Contains(to_string(make_job(1))));
  }
  CHECK(!has_graph(*store, 1));
  CHECK(!has_result(*store, 1));
  CHECK(*store->get_scheduling_status(make_job(1))
        == scheduling_status::pending);
  CHECK(retained_ids(*store, 1).empty());
  CHECK(*store->counter(make_job(1)) == 7);
}

TEST_CASE("a write with an equal or newer epoch passes and raises the newest "
          "epoch",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto set = [&](uint64_t value, epoch_t epoch) {
    return code_of(apply_op(
      *store, set_counter_op{make_job(1), value, fence("dispatcher", epoch)}));
  };
  CHECK(set(10, 3) == "none");
  CHECK(set(11, 3) == "none");
  CHECK(set(12, 8) == "none");
  CHECK(set(13, 7) == "fenced");
  CHECK(set(14, 3) == "fenced");
  CHECK(*store->counter(make_job(1)) == 12);
  auto ops = every_kind_of_op(fence("dispatcher", 8));
  for (auto& err : store->apply(ops))
    CHECK(code_of(err) == "none");
}

TEST_CASE("fencing epochs of different components are independent",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto jm = component::job_manager(make_job(1));
  CHECK(code_of(apply_op(
          *store, set_counter_op{make_job(1), 5, fence("dispatcher", 9)}))
        == "none");
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 6, fence(jm, 1)}))
        == "none");
  CHECK(code_of(apply_op(
          *store, set_counter_op{make_job(1), 7, fence("resource_manager", 2)}))
        == "none");
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 8, fence(jm, 0)}))
        == "fenced");
  CHECK(*store->counter(make_job(1)) == 7);
}

TEST_CASE("a write without a fencing token is never fenced",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, set_counter_op{make_job(1), 5, fence("dispatcher", 9)});
  auto ops = every_kind_of_op({});
  for (auto& err : store->apply(ops))
    CHECK(code_of(err) == "none");
  CHECK(code_of(apply_op(
          *store, set_counter_op{make_job(1), 1, fence("dispatcher", 9)}))
        == "none");
}

TEST_CASE("a failed write does not raise its component's epoch",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto err = apply_op(
    *store, mark_result_clean_op{make_job(1), fence("dispatcher", 9)});
  CHECK(code_of(err) == "not_found");
  CHECK(code_of(apply_op(
          *store, set_counter_op{make_job(1), 3, fence("dispatcher", 2)}))
        == "none");
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
  std::vector<write_op> ops{
    put_job_graph_op{make_graph(1), fence("dispatcher", 4)},
    create_dirty_result_op{{make_job(2), "FAILED", 2, false}, {}},
    put_job_graph_op{make_graph(3), fence("dispatcher", 3)},
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
  apply_op(*successor, put_job_graph_op{make_graph(1), fence("dispatcher", 6)});
  auto err = apply_op(*paused,
                      remove_job_graph_op{make_job(1), fence("dispatcher", 5)});
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
  auto ops = every_kind_of_op(fence("dispatcher", 7));
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
  // Fencing epochs are records too; reserved epochs and change sequence
  // numbers keep growing so that nothing is ever handed out twice.
  CHECK(code_of(apply_op(
          *other, put_job_graph_op{make_graph(3), fence("dispatcher", 1)}))
        == "none");
  CHECK(*other->last_job_graph_change() > last);
  CHECK(*other->reserve_epochs(1) >= epochs + 3);
  CHECK(next_id(*other, 1) == 1);
}
