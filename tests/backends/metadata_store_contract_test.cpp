// The contract of backends/metadata_store.hpp for each kind of record,
// written once and run against every implementation: each test case runs
// once per backend. Fencing, batches and sharing are in
// metadata_store_contract_writers_test.cpp.

#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/backends/metadata_store_test_support.hpp"

using namespace ha;
using namespace ha::test;

namespace {

/// Puts `graph` into an empty store: refused with invalid_argument naming
/// `limit`, and nothing stored.
void check_refused_graph(metadata_store& store, const job_graph& graph,
                         size_t limit) {
  auto err = apply_op(store, put_job_graph_op{graph, {}});
  CHECK(code_of(err) == "invalid_argument");
  CHECK_THAT(describe(err), Catch::Contains(std::to_string(limit)));
  CHECK(store.job_graph_ids()->empty());
}

} // namespace

// -- job graphs ---------------------------------------------------------------

TEST_CASE("a job graph that was put reads back whole and is listed",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto graph = make_graph(1);
  graph.metadata["empty"] = "";
  REQUIRE(code_of(apply_op(*store, put_job_graph_op{graph, {}})) == "none");
  auto read = store->get_job_graph(graph.id);
  REQUIRE(read);
  CHECK(read->id == graph.id);
  CHECK(read->name == graph.name);
  CHECK(read->metadata == graph.metadata);
  CHECK(read->payload == graph.payload);
  CHECK(*store->job_graph_ids() == std::vector<job_id>{graph.id});
}

TEST_CASE("job graphs read in pages come in id order, each once, whole",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto empty = store->job_graphs(std::nullopt, 3);
  REQUIRE(empty);
  CHECK(empty->graphs.empty());
  CHECK(empty->complete);
  for (uint8_t n : {7, 2, 9, 1, 5, 3, 8})
    REQUIRE(code_of(apply_op(*store, put_job_graph_op{make_graph(n), {}}))
            == "none");
  REQUIRE(code_of(apply_op(*store, remove_job_graph_op{make_job(5), {}}))
          == "none");
  std::vector<job_id> seen;
  std::vector<size_t> sizes;
  std::optional<job_id> after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store->job_graphs(after, 3);
    REQUIRE(page);
    sizes.push_back(page->graphs.size());
    for (auto& graph : page->graphs) {
      auto one = store->get_job_graph(graph.id);
      REQUIRE(one);
      CHECK(graph.name == one->name);
      CHECK(graph.metadata == one->metadata);
      CHECK(graph.payload == one->payload);
      seen.push_back(graph.id);
    }
    if (page->complete)
      break;
    after = page->graphs.back().id;
  }
  CHECK(sizes == std::vector<size_t>{3, 3});
  CHECK(seen == *store->job_graph_ids());
  auto past_last = store->job_graphs(make_job(9), 3);
  REQUIRE(past_last);
  CHECK(past_last->graphs.empty());
  CHECK(past_last->complete);
}

TEST_CASE("a page of job graphs stops before its byte bound, yet holds at "
          "least one graph",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  // Two graphs of 3 MiB pass the 4 MiB bound together; one of 8 MiB alone.
  for (uint8_t n : {1, 2, 3}) {
    auto graph = make_graph(n);
    graph.payload.assign(n == 3 ? max_record_payload - 1024 : 3 << 20, n);
    REQUIRE(code_of(apply_op(*store, put_job_graph_op{graph, {}})) == "none");
  }
  std::vector<size_t> sizes;
  std::optional<job_id> after;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = store->job_graphs(after, max_graph_page_count);
    REQUIRE(page);
    REQUIRE_FALSE(page->graphs.empty());
    sizes.push_back(page->graphs.size());
    auto& first = page->graphs.front();
    CHECK(first.payload.front() == first.id.bytes[15]);
    if (page->complete)
      break;
    after = page->graphs.back().id;
  }
  CHECK(sizes == std::vector<size_t>{1, 1, 1});
}

TEST_CASE("a job graph or checkpoint over the record limit is refused naming "
          "the limit, and nothing is stored",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto graph = make_graph(1);
  graph.metadata.clear();
  graph.payload.assign(max_record_payload + 1 - graph.name.size(), 7);
  check_refused_graph(*store, graph, max_record_payload);
  graph.payload.pop_back();
  CHECK(code_of(apply_op(*store, put_job_graph_op{graph, {}})) == "none");
  auto checkpoint = make_checkpoint(1, 1);
  checkpoint.metadata.assign(max_record_payload + 1, 7);
  CHECK(code_of(apply_op(*store, add_checkpoint_op{checkpoint, 1, {}, {}}))
        == "invalid_argument");
  CHECK(store->checkpoints(graph.id)->empty());
}

TEST_CASE("a job graph with more metadata entries than the limit is refused "
          "naming the limit, and nothing is stored",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto graph = make_graph(1);
  graph.metadata.clear();
  for (size_t i = 0; i <= max_graph_metadata_entries; ++i)
    graph.metadata.emplace(std::to_string(i), "");
  check_refused_graph(*store, graph, max_graph_metadata_entries);
  graph.metadata.erase(graph.metadata.begin());
  CHECK(code_of(apply_op(*store, put_job_graph_op{graph, {}})) == "none");
}

TEST_CASE("job graphs and checkpoints keep every byte value",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 256; ++i)
    bytes.push_back(static_cast<uint8_t>(i));
  std::string odd{"nul\0and \xff\xfe", 10};
  job_graph graph{make_job(1), odd, {{odd, odd}, {"", ""}}, bytes};
  auto checkpoint = make_checkpoint(1, 1);
  checkpoint.metadata = bytes;
  apply_op(*store, put_job_graph_op{graph, {}});
  apply_op(*store, add_checkpoint_op{checkpoint, 1, {}, {}});
  auto read = store->get_job_graph(graph.id);
  REQUIRE(read);
  CHECK(read->name == odd);
  CHECK(read->metadata == graph.metadata);
  CHECK(read->payload == bytes);
  CHECK(store->checkpoints(make_job(1))->front().metadata == bytes);
}

TEST_CASE("putting a job graph again replaces it", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, put_job_graph_op{make_graph(1, "first"), {}});
  auto second = make_graph(1, "second");
  second.metadata = {{"only", "this"}};
  second.payload = {};
  REQUIRE(code_of(apply_op(*store, put_job_graph_op{second, {}})) == "none");
  auto read = store->get_job_graph(make_job(1));
  REQUIRE(read);
  CHECK(read->name == "second");
  CHECK(read->metadata == second.metadata);
  CHECK(read->payload.empty());
  CHECK(store->job_graph_ids()->size() == 1);
}

TEST_CASE("reading an absent job graph fails with not_found naming the job",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto read = store->get_job_graph(make_job(7));
  REQUIRE(!read);
  CHECK(code_of(read.error()) == "not_found");
  CHECK_THAT(describe(read.error()), Catch::Contains(to_string(make_job(7))));
}

TEST_CASE("removing a job graph deletes it, removing an absent one succeeds",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, put_job_graph_op{make_graph(1), {}});
  apply_op(*store, put_job_graph_op{make_graph(2), {}});
  CHECK(code_of(apply_op(*store, remove_job_graph_op{make_job(1), {}}))
        == "none");
  CHECK(!has_graph(*store, 1));
  CHECK(*store->job_graph_ids() == std::vector<job_id>{make_job(2)});
  CHECK(code_of(apply_op(*store, remove_job_graph_op{make_job(9), {}}))
        == "none");
}

// -- job results and scheduling status
// -----------------------------------------

TEST_CASE("a job result is created dirty, once", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  job_result_entry entry{make_job(1), "CANCELED", 1234, true};
  REQUIRE(code_of(apply_op(*store, create_dirty_result_op{entry, {}}))
          == "none");
  auto read = store->job_result(make_job(1));
  REQUIRE(read);
  REQUIRE(read->has_value());
  CHECK((*read)->status == "CANCELED");
  CHECK((*read)->timestamp_ms == 1234);
  CHECK(!(*read)->clean);
  auto again = apply_op(*store, create_dirty_result_op{entry, {}});
  CHECK(code_of(again) == "already_exists");
  CHECK_THAT(describe(again), Catch::Contains(to_string(make_job(1))));
  CHECK(!store->job_result(make_job(2))->has_value());
}

TEST_CASE("a job result cannot be created again after it was marked clean",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  job_result_entry entry{make_job(1), "SUCCEEDED", 1, false};
  apply_op(*store, create_dirty_result_op{entry, {}});
  apply_op(*store, mark_result_clean_op{make_job(1), {}});
  CHECK(code_of(apply_op(*store, create_dirty_result_op{entry, {}}))
        == "already_exists");
  CHECK((*store->job_result(make_job(1)))->clean);
}

TEST_CASE("marking an unknown job's result clean fails with not_found",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto err = apply_op(*store, mark_result_clean_op{make_job(3), {}});
  CHECK(code_of(err) == "not_found");
  CHECK_THAT(describe(err), Catch::Contains(to_string(make_job(3))));
  CHECK(!has_result(*store, 3));
}

TEST_CASE("marking a result clean twice succeeds and it stays clean",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store,
           create_dirty_result_op{{make_job(1), "FAILED", 1, false}, {}});
  apply_op(*store,
           create_dirty_result_op{{make_job(2), "FAILED", 2, false}, {}});
  CHECK(code_of(apply_op(*store, mark_result_clean_op{make_job(1), {}}))
        == "none");
  CHECK(code_of(apply_op(*store, mark_result_clean_op{make_job(1), {}}))
        == "none");
  auto clean = store->job_results(true);
  auto dirty = store->job_results(false);
  REQUIRE(clean);
  REQUIRE(dirty);
  REQUIRE(clean->size() == 1);
  CHECK(clean->front().id == make_job(1));
  CHECK(clean->front().clean);
  CHECK(clean->front().status == "FAILED");
  REQUIRE(dirty->size() == 1);
  CHECK(dirty->front().id == make_job(2));
}

TEST_CASE("a job result with an unknown status is rejected",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto err = apply_op(
    *store, create_dirty_result_op{{make_job(1), "DONE", 1, false}, {}});
  CHECK(code_of(err) == "invalid_argument");
  CHECK(!has_result(*store, 1));
}

TEST_CASE("an unknown job is pending until its scheduling status is set",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  CHECK(*store->get_scheduling_status(make_job(1))
        == scheduling_status::pending);
  apply_op(
    *store,
    set_scheduling_status_op{make_job(1), scheduling_status::running, {}});
  CHECK(*store->get_scheduling_status(make_job(1))
        == scheduling_status::running);
  apply_op(*store,
           set_scheduling_status_op{make_job(1), scheduling_status::done, {}});
  CHECK(*store->get_scheduling_status(make_job(1)) == scheduling_status::done);
  CHECK(*store->get_scheduling_status(make_job(2))
        == scheduling_status::pending);
}

// -- checkpoints
// ----------------------------------------------------------------

TEST_CASE("the checkpoint store retains the newest checkpoints and hands "
          "back the subsumed ones oldest first",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto add = [&](uint64_t id, uint32_t max_retained) {
    add_checkpoint_op op{make_checkpoint(1, id), max_retained, {}, {}};
    REQUIRE(code_of(apply_one(*store, op)) == "none");
    return ids_of(op.subsumed);
  };
  using ids = std::vector<uint64_t>;
  CHECK(add(1, 3).empty());
  CHECK(add(2, 3).empty());
  CHECK(add(3, 3).empty());
  CHECK(add(4, 3) == ids{1});
  CHECK(retained_ids(*store, 1) == ids{2, 3, 4});
  CHECK(add(5, 1) == ids{2, 3, 4});
  CHECK(add(7, 3).empty());
  CHECK(add(6, 3).empty());
  CHECK(retained_ids(*store, 1) == ids{5, 6, 7});
  CHECK(add(2, 3) == ids{2});
  auto recovered = store->checkpoints(make_job(1));
  REQUIRE(recovered);
  REQUIRE(recovered->size() == 3);
  CHECK(recovered->front().job == make_job(1));
  CHECK(recovered->front().timestamp_ms == 1005);
  CHECK(recovered->front().metadata == make_checkpoint(1, 5).metadata);
}

TEST_CASE("a subsumed checkpoint comes back whole", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, add_checkpoint_op{make_checkpoint(1, 8), 1, {}, {}});
  add_checkpoint_op op{make_checkpoint(1, 9), 1, {}, {}};
  REQUIRE(code_of(apply_one(*store, op)) == "none");
  REQUIRE(op.subsumed.size() == 1);
  CHECK(op.subsumed[0].job == make_job(1));
  CHECK(op.subsumed[0].checkpoint_id == 8);
  CHECK(op.subsumed[0].timestamp_ms == 1008);
  CHECK(op.subsumed[0].metadata == make_checkpoint(1, 8).metadata);
}

TEST_CASE("adding a checkpoint with a retained id replaces it",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, add_checkpoint_op{make_checkpoint(1, 4), 2, {}, {}});
  auto replacement = make_checkpoint(1, 4);
  replacement.metadata = {0x42};
  add_checkpoint_op op{replacement, 2, {}, {}};
  REQUIRE(code_of(apply_one(*store, op)) == "none");
  CHECK(op.subsumed.empty());
  auto retained = store->checkpoints(make_job(1));
  REQUIRE(retained->size() == 1);
  CHECK(retained->front().metadata == std::vector<uint8_t>{0x42});
}

TEST_CASE("checkpoints of different jobs are kept apart", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, add_checkpoint_op{make_checkpoint(1, 1), 1, {}, {}});
  apply_op(*store, add_checkpoint_op{make_checkpoint(2, 2), 1, {}, {}});
  CHECK(retained_ids(*store, 1) == std::vector<uint64_t>{1});
  CHECK(retained_ids(*store, 2) == std::vector<uint64_t>{2});
  CHECK(retained_ids(*store, 3).empty());
}

TEST_CASE("retaining zero checkpoints is rejected", "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto err = apply_op(*store,
                      add_checkpoint_op{make_checkpoint(1, 1), 0, {}, {}});
  CHECK(code_of(err) == "invalid_argument");
  CHECK(retained_ids(*store, 1).empty());
}

TEST_CASE("a job's checkpoint id counter starts at 1 and counts up",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  CHECK(*store->counter(make_job(1)) == 1);
  CHECK(next_id(*store, 1) == 1);
  CHECK(next_id(*store, 1) == 2);
  CHECK(next_id(*store, 2) == 1);
  CHECK(*store->counter(make_job(1)) == 3);
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 100, {}}))
        == "none");
  CHECK(*store->counter(make_job(1)) == 100);
  CHECK(next_id(*store, 1) == 100);
  CHECK(next_id(*store, 2) == 2);
}

TEST_CASE("shutdown with a globally terminal status drops the job's "
          "checkpoints and counter",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto status = GENERATE(job_status::finished, job_status::failed,
                         job_status::canceled);
  CAPTURE(to_string(status));
  apply_op(*store, add_checkpoint_op{make_checkpoint(1, 1), 2, {}, {}});
  apply_op(*store, add_checkpoint_op{make_checkpoint(2, 1), 2, {}, {}});
  next_id(*store, 1);
  next_id(*store, 2);
  CHECK(
    code_of(apply_op(*store, shutdown_checkpoints_op{make_job(1), status, {}}))
    == "none");
  CHECK(retained_ids(*store, 1).empty());
  CHECK(*store->counter(make_job(1)) == 1);
  CHECK(retained_ids(*store, 2) == std::vector<uint64_t>{1});
  CHECK(*store->counter(make_job(2)) == 2);
}

TEST_CASE("shutdown with a status that is not globally terminal keeps the "
          "job's checkpoints and counter",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  auto status = GENERATE(job_status::suspended, job_status::running);
  CAPTURE(to_string(status));
  apply_op(*store, add_checkpoint_op{make_checkpoint(1, 1), 2, {}, {}});
  next_id(*store, 1);
  CHECK(
    code_of(apply_op(*store, shutdown_checkpoints_op{make_job(1), status, {}}))
    == "none");
  CHECK(retained_ids(*store, 1) == std::vector<uint64_t>{1});
  CHECK(*store->counter(make_job(1)) == 2);
}

TEST_CASE("shutdown with a job status outside the enumerators is refused and "
          "keeps the job's checkpoints",
          "[metadata_store]") {
  store_opener opener{each_backend()};
  CAPTURE(opener.backend());
  auto store = opener.open();
  apply_op(*store, add_checkpoint_op{make_checkpoint(1, 1), 2, {}, {}});
  auto err = apply_op(*store, shutdown_checkpoints_op{
                                make_job(1), static_cast<job_status>(43), {}});
  CHECK(code_of(err) == "invalid_argument");
  CHECK_THAT(describe(err), Catch::Contains("job_status(43)"));
  CHECK(retained_ids(*store, 1) == std::vector<uint64_t>{1});
}
