// The store contract: every case runs against every backend, through the
// services' root and messages, exactly as a master process uses them.

#include <limits>
#include <optional>

#include "tests/contract/services_fixture.hpp"

using namespace ha;
using namespace ha::test;

namespace {

using ok = caf::ok_atom;
using checkpoint_list = std::vector<completed_checkpoint>;
using result_list = std::vector<job_result_entry>;

job_graph graph(uint8_t n, std::vector<uint8_t> payload) {
  return job_graph{test_job(n), "job-" + std::to_string(n),
                   {{"owner", "tests"}}, std::move(payload)};
}

completed_checkpoint checkpoint(uint8_t job, uint64_t id) {
  return completed_checkpoint{test_job(job), id, 1000 + static_cast<int64_t>(id),
                              {static_cast<uint8_t>(id), 1, 2}};
}

std::vector<uint64_t> ids_of(const checkpoint_list& xs) {
  std::vector<uint64_t> result;
  for (auto& x : xs)
    result.push_back(x.checkpoint_id);
  return result;
}

const fencing_token unfenced;

/// A contender the test drives by hand: a scoped actor that joins an
/// elector and waits for its grants. Destroying it is the contender's death.
struct test_contender {
  caf::scoped_actor self;

  explicit test_contender(caf::actor_system& sys) : self(sys) {}

  contender_actor handle() {
    return caf::actor_cast<contender_actor>(self);
  }

  /// The epoch of the next grant of `component`; fails after 20 s.
  epoch_t await_grant(const std::string& component) {
    std::optional<epoch_t> result;
    // Bounded: revokes and errors of earlier grants may come first.
    for (int i = 0; i < 8 && !result; ++i)
      self->receive(
        [&](grant_atom, const std::string& c, session_id, epoch_t epoch) {
          if (c == component)
            result = epoch;
        },
        [](revoke_atom, const std::string&, session_id) {},
        [](election_error_atom, const std::string&, const caf::error&) {},
        caf::after(std::chrono::seconds(20)) >>
          [&] { FAIL("no grant of " << component); });
    REQUIRE(result);
    return *result;
  }
};

/// A job manager's component with its job id in uppercase hex.
std::string upper_hex(std::string name) {
  for (auto i = name.find('/'); i < name.size(); ++i)
    if (name[i] >= 'a' && name[i] <= 'f')
      name[i] = static_cast<char>(name[i] - 'a' + 'A');
  return name;
}

} // namespace

TEST_CASE("a put job graph is recovered with its name, metadata and payload",
          "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto root = fx.start();
  auto store = fx.service<job_graph_store_actor>(root, job_graphs_atom::value);
  auto g = graph(1, {0, 1, 2, 255});
  fx.ask<ok>(store, caf::put_atom::value, g, unfenced);
  auto got = fx.ask<job_graph>(store, caf::get_atom::value, g.id);
  CHECK(got.id == g.id);
  CHECK(got.name == g.name);
  CHECK(got.metadata == g.metadata);
  CHECK(got.payload == g.payload);
}

TEST_CASE("recovering an unknown job graph fails with not_found naming the "
          "job", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_graph_store_actor>(fx.start(),
                                                 job_graphs_atom::value);
  auto got = fx.try_ask<job_graph>(store, caf::get_atom::value, test_job(9));
  REQUIRE_FALSE(got);
  CHECK(is(got.error(), errc::not_found));
  CHECK_THAT(describe(got.error()), Catch::Contains(to_string(test_job(9))));
}

TEST_CASE("job ids list stored graphs, remove deletes, removing an absent "
          "graph is fine", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_graph_store_actor>(fx.start(),
                                                 job_graphs_atom::value);
  fx.ask<ok>(store, caf::put_atom::value, graph(1, {1}), unfenced);
  fx.ask<ok>(store, caf::put_atom::value, graph(2, {2}), unfenced);
  fx.ask<ok>(store, caf::put_atom::value, graph(2, {3}), unfenced);
  auto ids = fx.ask<std::vector<job_id>>(store, caf::get_atom::value,
                                         job_ids_atom::value);
  CHECK(ids == std::vector<job_id>{test_job(1), test_job(2)});
  CHECK(fx.ask<job_graph>(store, caf::get_atom::value, test_job(2)).payload
        == std::vector<uint8_t>{3});
  fx.ask<ok>(store, caf::delete_atom::value, test_job(1), unfenced);
  fx.ask<ok>(store, caf::delete_atom::value, test_job(7), unfenced);
  ids = fx.ask<std::vector<job_id>>(store, caf::get_atom::value,
                                    job_ids_atom::value);
  CHECK(ids == std::vector<job_id>{test_job(2)});
}

TEST_CASE("every job graph is recovered a page at a time, in id order",
          "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_graph_store_actor>(fx.start(),
                                                 job_graphs_atom::value);
  for (uint8_t n : {4, 1, 3, 2, 5})
    fx.ask<ok>(store, caf::put_atom::value, graph(n, {n}), unfenced);
  auto page = fx.ask<job_graph_page>(store, caf::get_atom::value,
                                     graph_page_atom::value, uint32_t{2});
  std::vector<job_id> seen;
  for (int pages = 1; pages <= 3; ++pages) {
    for (auto& g : page.graphs) {
      CHECK(g.payload == std::vector<uint8_t>{g.id.bytes[15]});
      CHECK(g.metadata == graph(1, {}).metadata);
      seen.push_back(g.id);
    }
    CHECK(page.complete == (pages == 3));
    if (page.complete)
      break;
    page = fx.ask<job_graph_page>(store, caf::get_atom::value,
                                  graph_page_atom::value, seen.back(),
                                  uint32_t{2});
  }
  CHECK(seen == fx.ask<std::vector<job_id>>(store, caf::get_atom::value,
                                            job_ids_atom::value));
  CHECK(seen.size() == 5);
}

TEST_CASE("a page of job graphs with a limit of 0 is refused naming the "
          "limit", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_graph_store_actor>(fx.start(),
                                                 job_graphs_atom::value);
  auto got = fx.try_ask<job_graph_page>(store, caf::get_atom::value,
                                        graph_page_atom::value, uint32_t{0});
  REQUIRE_FALSE(got);
  CHECK(is(got.error(), errc::invalid_argument));
  CHECK_THAT(describe(got.error()), Catch::Contains("limit of 1 or more"));
}

TEST_CASE("job results move from dirty to clean", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_result_store_actor>(fx.start(),
                                                  job_results_atom::value);
  auto id = test_job(3);
  CHECK_FALSE(fx.ask<bool>(store, has_entry_atom::value, id));
  fx.ask<ok>(store, create_dirty_atom::value,
             job_result_entry{id, "FAILED", 42, false}, unfenced);
  CHECK(fx.ask<bool>(store, has_entry_atom::value, id));
  CHECK(fx.ask<bool>(store, has_dirty_atom::value, id));
  CHECK_FALSE(fx.ask<bool>(store, has_clean_atom::value, id));
  auto dirty = fx.ask<result_list>(store, caf::get_atom::value,
                                   dirty_atom::value);
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].status == "FAILED");
  CHECK(dirty[0].timestamp_ms == 42);
  fx.ask<ok>(store, mark_clean_atom::value, id, unfenced);
  CHECK_FALSE(fx.ask<bool>(store, has_dirty_atom::value, id));
  CHECK(fx.ask<bool>(store, has_clean_atom::value, id));
  // Marking a clean entry clean again is a no-op.
  fx.ask<ok>(store, mark_clean_atom::value, id, unfenced);
  CHECK(fx.ask<result_list>(store, caf::get_atom::value, dirty_atom::value)
          .empty());
  CHECK(fx.ask<result_list>(store, caf::get_atom::value, clean_atom::value)
          .size()
        == 1);
}

TEST_CASE("a second result for the same job fails with already_exists and "
          "changes nothing", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_result_store_actor>(fx.start(),
                                                  job_results_atom::value);
  auto id = test_job(4);
  fx.ask<ok>(store, create_dirty_atom::value,
             job_result_entry{id, "SUCCEEDED", 1, false}, unfenced);
  auto again = fx.try_ask<ok>(store, create_dirty_atom::value,
                              job_result_entry{id, "FAILED", 2, false},
                              unfenced);
  REQUIRE_FALSE(again);
  CHECK(is(again.error(), errc::already_exists));
  auto dirty = fx.ask<result_list>(store, caf::get_atom::value,
                                   dirty_atom::value);
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].status == "SUCCEEDED");
}

TEST_CASE("marking an unknown job clean fails with not_found", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_result_store_actor>(fx.start(),
                                                  job_results_atom::value);
  auto res = fx.try_ask<ok>(store, mark_clean_atom::value, test_job(5),
                            unfenced);
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::not_found));
}

TEST_CASE("a result with an unknown status is rejected naming it",
          "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto store = fx.service<job_result_store_actor>(fx.start(),
                                                  job_results_atom::value);
  auto res = fx.try_ask<ok>(store, create_dirty_atom::value,
                            job_result_entry{test_job(1), "DONE?", 1, false},
                            unfenced);
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::invalid_argument));
  CHECK_THAT(describe(res.error()), Catch::Contains("DONE?"));
}

TEST_CASE("the registry reports pending, running and done", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto reg = fx.service<running_jobs_registry_actor>(fx.start(),
                                                     registry_atom::value);
  auto id = test_job(6);
  CHECK(fx.ask<scheduling_status>(reg, caf::get_atom::value, id)
        == scheduling_status::pending);
  fx.ask<ok>(reg, set_running_atom::value, id, unfenced);
  CHECK(fx.ask<scheduling_status>(reg, caf::get_atom::value, id)
        == scheduling_status::running);
  fx.ask<ok>(reg, set_finished_atom::value, id, unfenced);
  CHECK(fx.ask<scheduling_status>(reg, caf::get_atom::value, id)
        == scheduling_status::done);
}

TEST_CASE("the checkpoint store retains the newest N and returns the "
          "subsumed ones", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto cps = fx.service<checkpoint_store_actor>(fx.start(),
                                                checkpoints_atom::value);
  uint32_t retain = 2;
  CHECK(fx.ask<checkpoint_list>(cps, caf::add_atom::value, checkpoint(1, 1),
                                retain, unfenced)
          .empty());
  CHECK(fx.ask<checkpoint_list>(cps, caf::add_atom::value, checkpoint(1, 2),
                                retain, unfenced)
          .empty());
  auto subsumed = fx.ask<checkpoint_list>(cps, caf::add_atom::value,
                                          checkpoint(1, 3), retain, unfenced);
  CHECK(ids_of(subsumed) == std::vector<uint64_t>{1});
  auto recovered = fx.ask<checkpoint_list>(cps, caf::get_atom::value,
                                           test_job(1));
  CHECK(ids_of(recovered) == std::vector<uint64_t>{2, 3});
  CHECK(recovered[1].metadata == checkpoint(1, 3).metadata);
  CHECK(fx.ask<checkpoint_list>(cps, caf::get_atom::value, test_job(2))
          .empty());
}

TEST_CASE("the checkpoint counter starts at 1, never repeats, and can be "
          "set", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto cps = fx.service<checkpoint_store_actor>(fx.start(),
                                                checkpoints_atom::value);
  auto job = test_job(1);
  CHECK(fx.ask<uint64_t>(cps, caf::get_atom::value, counter_atom::value, job)
        == 1);
  CHECK(fx.ask<uint64_t>(cps, next_id_atom::value, job, unfenced) == 1);
  CHECK(fx.ask<uint64_t>(cps, next_id_atom::value, job, unfenced) == 2);
  fx.ask<ok>(cps, set_count_atom::value, job, uint64_t{100}, unfenced);
  CHECK(fx.ask<uint64_t>(cps, next_id_atom::value, job, unfenced) == 100);
  CHECK(fx.ask<uint64_t>(cps, next_id_atom::value, test_job(2), unfenced)
        == 1);
}

TEST_CASE("checkpoint ids and counters stay within 0..2^63-1: a negative "
          "id cast to unsigned is refused and a counter never wraps",
          "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto cps = fx.service<checkpoint_store_actor>(fx.start(),
                                                checkpoints_atom::value);
  auto job = test_job(1);
  auto refused = [](const auto& res, const std::string& text) {
    REQUIRE_FALSE(res);
    CHECK(is(res.error(), errc::invalid_argument));
    CHECK_THAT(describe(res.error()), Catch::Contains(text));
  };
  auto minus_five = static_cast<uint64_t>(int64_t{-5});
  refused(fx.try_ask<checkpoint_list>(cps, caf::add_atom::value,
                                      checkpoint(1, minus_five), uint32_t{1},
                                      unfenced),
          std::to_string(minus_five));
  CHECK(fx.ask<checkpoint_list>(cps, caf::get_atom::value, job).empty());
  refused(fx.try_ask<ok>(cps, set_count_atom::value, job,
                         max_checkpoint_id + 1, unfenced),
          "9223372036854775807");
  refused(fx.try_ask<ok>(cps, set_count_atom::value, job,
                         std::numeric_limits<uint64_t>::max(), unfenced),
          "18446744073709551615");
  CHECK(fx.ask<uint64_t>(cps, caf::get_atom::value, counter_atom::value, job)
        == 1);
  fx.ask<ok>(cps, set_count_atom::value, job, max_checkpoint_id - 1, unfenced);
  CHECK(fx.ask<uint64_t>(cps, next_id_atom::value, job, unfenced)
        == max_checkpoint_id - 1);
  // At the limit: refused, and the counter stays where it is.
  for (int i = 0; i < 2; ++i)
    refused(fx.try_ask<uint64_t>(cps, next_id_atom::value, job, unfenced),
            "9223372036854775807");
  CHECK(fx.ask<uint64_t>(cps, caf::get_atom::value, counter_atom::value, job)
        == max_checkpoint_id);
  completed_checkpoint last{job, max_checkpoint_id, 1, {1}};
  CHECK(fx.ask<checkpoint_list>(cps, caf::add_atom::value, last, uint32_t{1},
                                unfenced)
          .empty());
}

TEST_CASE("checkpoint shutdown drops state only for globally terminal jobs",
          "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto cps = fx.service<checkpoint_store_actor>(fx.start(),
                                                checkpoints_atom::value);
  auto job = test_job(1);
  fx.ask<checkpoint_list>(cps, caf::add_atom::value, checkpoint(1, 7),
                          uint32_t{1}, unfenced);
  fx.ask<uint64_t>(cps, next_id_atom::value, job, unfenced);
  fx.ask<ok>(cps, shutdown_atom::value, job, job_status::suspended, unfenced);
  CHECK(fx.ask<checkpoint_list>(cps, caf::get_atom::value, job).size() == 1);
  CHECK(fx.ask<uint64_t>(cps, caf::get_atom::value, counter_atom::value, job)
        == 2);
  fx.ask<ok>(cps, shutdown_atom::value, job, job_status::finished, unfenced);
  CHECK(fx.ask<checkpoint_list>(cps, caf::get_atom::value, job).empty());
  CHECK(fx.ask<uint64_t>(cps, caf::get_atom::value, counter_atom::value, job)
        == 1);
}

TEST_CASE("fences follow the election: the leader writes, a never-issued "
          "epoch is invalid_argument, a leader that left is fenced before "
          "its successor wrote",
          "[contract][fence]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto root = fx.start();
  auto results = fx.service<job_result_store_actor>(root,
                                                    job_results_atom::value);
  auto graphs = fx.service<job_graph_store_actor>(root, job_graphs_atom::value);
  auto elector = fx.ask<elector_actor>(root, caf::get_atom::value,
                                       elector_atom::value,
                                       std::string{"dispatcher"});
  test_contender first{fx.sys()};
  test_contender second{fx.sys()};
  fx.ask<ok>(elector, join_atom::value, first.handle());
  auto first_epoch = first.await_grant("dispatcher");
  fx.ask<ok>(elector, join_atom::value, second.handle());
  fencing_token leader{"dispatcher", first_epoch};
  fx.ask<ok>(graphs, caf::put_atom::value, graph(1, {1}), leader);
  for (auto bad : {first_epoch + 1000, std::numeric_limits<epoch_t>::max()}) {
    CAPTURE(bad);
    auto put = fx.try_ask<ok>(graphs, caf::put_atom::value, graph(1, {9}),
                              fencing_token{"dispatcher", bad});
    REQUIRE_FALSE(put);
    CHECK(is(put.error(), errc::invalid_argument));
    CHECK_THAT(describe(put.error()),
               Catch::Contains("dispatcher")
                 && Catch::Contains("epoch " + std::to_string(bad)));
  }
  // The real leader is not poisoned by the never-issued epochs.
  fx.ask<ok>(graphs, caf::put_atom::value, graph(1, {2}), leader);
  fx.ask<ok>(elector, leave_atom::value, first.handle());
  auto second_epoch = second.await_grant("dispatcher");
  CHECK(second_epoch > first_epoch);
  auto put = fx.try_ask<ok>(graphs, caf::put_atom::value, graph(1, {7}),
                            leader);
  REQUIRE_FALSE(put);
  CHECK(is(put.error(), errc::fenced));
  CHECK_THAT(describe(put.error()),
             Catch::Contains("dispatcher")
               && Catch::Contains("epoch " + std::to_string(first_epoch)));
  auto res = fx.try_ask<ok>(results, create_dirty_atom::value,
                            job_result_entry{test_job(2), "SUCCEEDED", 1,
                                             false},
                            leader);
  REQUIRE_FALSE(res);
  CHECK(is(res.error(), errc::fenced));
  CHECK_FALSE(fx.ask<bool>(results, has_entry_atom::value, test_job(2)));
  CHECK(fx.ask<job_graph>(graphs, caf::get_atom::value, test_job(1)).payload
        == std::vector<uint8_t>{2});
  // Unfenced writes still pass; the successor's fence does.
  fx.ask<ok>(graphs, caf::put_atom::value, graph(3, {3}), unfenced);
  fx.ask<ok>(graphs, caf::put_atom::value, graph(1, {6}),
             fencing_token{"dispatcher", second_epoch});
}

TEST_CASE("a dead job manager's fence is fenced in either case of its hex, "
          "before its successor wrote",
          "[contract][fence]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto root = fx.start();
  auto cps = fx.service<checkpoint_store_actor>(root, checkpoints_atom::value);
  auto jm = component::job_manager(test_job(0xab)); // lowercase hex
  auto jm_upper = upper_hex(jm);
  REQUIRE(jm_upper != jm);
  auto elector = fx.ask<elector_actor>(root, caf::get_atom::value,
                                       elector_atom::value, jm);
  std::optional<test_contender> doomed;
  doomed.emplace(fx.sys());
  test_contender successor{fx.sys()};
  fx.ask<ok>(elector, join_atom::value, doomed->handle());
  auto epoch = doomed->await_grant(jm);
  fx.ask<ok>(elector, join_atom::value, successor.handle());
  uint32_t retain = 5;
  auto add = [&](uint64_t id, const std::string& component, epoch_t e) {
    return fx.try_ask<checkpoint_list>(cps, caf::add_atom::value,
                                       checkpoint(1, id), retain,
                                       fencing_token{component, e});
  };
  CHECK(add(1, jm_upper, epoch));
  CHECK(add(2, jm, epoch));
  doomed.reset();
  auto next = successor.await_grant(jm);
  for (auto& name : {jm_upper, jm}) {
    auto late = add(3, name, epoch);
    REQUIRE_FALSE(late);
    CHECK(is(late.error(), errc::fenced));
    CHECK_THAT(describe(late.error()), Catch::Contains(jm));
  }
  CHECK(ids_of(fx.ask<checkpoint_list>(cps, caf::get_atom::value,
                                       test_job(1)))
        == std::vector<uint64_t>{1, 2});
  CHECK(add(4, jm_upper, next));
}

TEST_CASE("NONE: epoch 0 is every component's fence, any other was never "
          "issued",
          "[contract][fence]") {
  services_fixture fx{"NONE"};
  auto graphs = fx.service<job_graph_store_actor>(fx.start(),
                                                  job_graphs_atom::value);
  fx.ask<ok>(graphs, caf::put_atom::value, graph(1, {1}),
             fencing_token{"dispatcher", 0});
  auto put = fx.try_ask<ok>(graphs, caf::put_atom::value, graph(1, {2}),
                            fencing_token{"dispatcher", 1});
  REQUIRE_FALSE(put);
  CHECK(is(put.error(), errc::invalid_argument));
  auto bad = fx.try_ask<ok>(graphs, caf::put_atom::value, graph(1, {3}),
                            fencing_token{"dispatch", 0});
  REQUIRE_FALSE(bad);
  CHECK(is(bad.error(), errc::invalid_argument));
  CHECK_THAT(describe(bad.error()), Catch::Contains("dispatch"));
  CHECK(fx.ask<job_graph>(graphs, caf::get_atom::value, test_job(1)).payload
        == std::vector<uint8_t>{1});
}

TEST_CASE("require-fence refuses unfenced writes naming the key",
          "[contract][fence]") {
  services_fixture fx{"embedded"};
  auto root = fx.start("default", {"ha.store.require-fence=true"});
  auto graphs = fx.service<job_graph_store_actor>(root, job_graphs_atom::value);
  auto put = fx.try_ask<ok>(graphs, caf::put_atom::value, graph(1, {1}),
                            unfenced);
  REQUIRE_FALSE(put);
  CHECK(is(put.error(), errc::invalid_argument));
  CHECK_THAT(describe(put.error()), Catch::Contains("ha.store.require-fence"));
  auto get = fx.try_ask<job_graph>(graphs, caf::get_atom::value, test_job(1));
  CHECK_FALSE(get);
}

TEST_CASE("close keeps the data of durable modes for the next start",
          "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  if (!fx.shared_between_roots())
    return; // memory lives and dies with its root
  auto root = fx.start();
  auto graphs = fx.service<job_graph_store_actor>(root, job_graphs_atom::value);
  fx.ask<ok>(graphs, caf::put_atom::value, graph(1, {1, 2}), unfenced);
  fx.close(root);
  auto again = fx.start();
  graphs = fx.service<job_graph_store_actor>(again, job_graphs_atom::value);
  CHECK(fx.ask<job_graph>(graphs, caf::get_atom::value, test_job(1)).payload
        == std::vector<uint8_t>{1, 2});
}

TEST_CASE("cleanup deletes this cluster's data and nothing of another "
          "cluster", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  auto mine = fx.start("mine");
  auto other = fx.start("other");
  auto my_graphs = fx.service<job_graph_store_actor>(mine,
                                                     job_graphs_atom::value);
  auto other_graphs = fx.service<job_graph_store_actor>(
    other, job_graphs_atom::value);
  fx.ask<ok>(my_graphs, caf::put_atom::value, graph(1, {1}), unfenced);
  fx.ask<ok>(other_graphs, caf::put_atom::value, graph(2, {2}), unfenced);
  fx.ask<ok>(mine, cleanup_atom::value, std::string{});
  CHECK(fx.ask<job_graph>(other_graphs, caf::get_atom::value, test_job(2))
          .payload
        == std::vector<uint8_t>{2});
  if (fx.shared_between_roots()) {
    auto fresh = fx.start("mine");
    auto graphs = fx.service<job_graph_store_actor>(fresh,
                                                    job_graphs_atom::value);
    CHECK(fx.ask<std::vector<job_id>>(graphs, caf::get_atom::value,
                                      job_ids_atom::value)
            .empty());
  }
}

TEST_CASE("a job graph added or removed by another process reaches this "
          "process's listener, and its own changes do not", "[contract]") {
  services_fixture fx{GENERATE(as<std::string>{}, HA_STORE_MODES)};
  if (!fx.shared_between_roots())
    return; // memory is never shared by two processes
  auto here = fx.service<job_graph_store_actor>(fx.start(),
                                                job_graphs_atom::value);
  auto there = fx.service<job_graph_store_actor>(fx.start(),
                                                 job_graphs_atom::value);
  caf::scoped_actor listener{fx.sys()};
  fx.ask<ok>(here, caf::join_atom::value,
             caf::actor_cast<job_graph_listener_actor>(listener));
  fx.ask<ok>(here, caf::put_atom::value, graph(1, {1}), unfenced);
  fx.ask<ok>(there, caf::put_atom::value, graph(2, {2}), unfenced);
  fx.ask<ok>(there, caf::delete_atom::value, test_job(2), unfenced);
  std::vector<std::string> seen;
  for (int i = 0; i < 2; ++i)
    listener->receive(
      [&](job_added_atom, const job_id& id) {
        seen.push_back("added " + to_string(id));
      },
      [&](job_removed_atom, const job_id& id) {
        seen.push_back("removed " + to_string(id));
      },
      caf::after(std::chrono::seconds(10)) >> [] {});
  CHECK(seen
        == std::vector<std::string>{"added " + to_string(test_job(2)),
                                    "removed " + to_string(test_job(2))});
}
