// Remote store handles (actors/client/remote_store.hpp) in one process: a
// fake services link the test moves up and down by messages, real embedded
// services or fake roots and stores that can hold a request unanswered. A
// real actor system, since the embedded stores run detached. The handles
// wait up to `remote_store_timeout` (30 s) for a store; the test waits at
// most `test_wait` (5 s) for any answer, so a failure that arrives at all
// arrived without waiting for the handle's timeout.

#include "caf_ha/actors/client/remote_store.hpp"

#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "caf_ha/actors/client/blob_client.hpp"
#include "caf_ha/actors/client/link_follower.hpp"
#include "tests/contract/services_fixture.hpp"
#include "tests/support/fake_services_link.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr auto test_wait = std::chrono::seconds(5);
static_assert(test_wait < remote_store_timeout);

// The test's commands to its fakes.
using hold_atom = caf::atom_constant<caf::atom("hold")>;
using held_atom = caf::atom_constant<caf::atom("held")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using notify_atom = caf::atom_constant<caf::atom("notify")>;
using count_atom = caf::atom_constant<caf::atom("count")>;

const std::string& lost_reason = fake_link_lost_reason;

// -- fake job graph store and root --------------------------------------------

struct fake_store_state {
  std::map<job_id, job_graph> graphs;
  std::vector<job_graph_listener_actor> listeners;
  /// While set, `get(job)` is held unanswered and `observer` told so.
  bool holding = false;
  std::vector<caf::response_promise> held;
};

/// A job graph store in memory; a write fenced by component "stale" is
/// refused with fenced.
caf::behavior fake_job_graphs(caf::stateful_actor<fake_store_state>* self,
                              caf::actor observer) {
  return {
    [=](caf::put_atom, const job_graph& graph,
        const fencing_token& fence) -> caf::result<caf::ok_atom> {
      if (fence.component == "stale")
        return make_error(errc::fenced, "fake: stale epoch");
      self->state.graphs[graph.id] = graph;
      return caf::ok_atom::value;
    },
    [=](caf::get_atom, const job_id& id) -> caf::result<job_graph> {
      auto& st = self->state;
      if (st.holding) {
        st.held.push_back(self->make_response_promise());
        self->send(observer, held_atom::value);
        return st.held.back();
      }
      auto i = st.graphs.find(id);
      if (i == st.graphs.end())
        return make_error(errc::not_found,
                          "fake: no job graph " + to_string(id));
      return i->second;
    },
    [=](caf::delete_atom, const job_id& id, const fencing_token&) {
      self->state.graphs.erase(id);
      return caf::ok_atom::value;
    },
    [=](caf::get_atom, job_ids_atom) {
      std::vector<job_id> ids;
      for (auto& kvp : self->state.graphs)
        ids.push_back(kvp.first);
      return ids;
    },
    [=](caf::join_atom, const job_graph_listener_actor& listener) {
      self->state.listeners.push_back(listener);
      return caf::ok_atom::value;
    },
    [=](caf::leave_atom, const job_graph_listener_actor& listener) {
      erase_actor(self->state.listeners, listener.address());
      return caf::ok_atom::value;
    },
    [=](hold_atom) {
      self->state.holding = true;
      return caf::ok_atom::value;
    },
    [=](notify_atom, const job_id& id) {
      for (auto& listener : self->state.listeners)
        self->send(listener, job_added_atom::value, id);
      return caf::ok_atom::value;
    },
    [=](count_atom) {
      return static_cast<uint64_t>(self->state.listeners.size());
    },
  };
}

struct fake_root_state {
  bool holding = false;
  std::vector<caf::response_promise> held;
};

/// A root that hands out `store` as its job graph store; while holding it
/// keeps the lookups unanswered (telling `observer`) until `release`.
caf::behavior fake_root(caf::stateful_actor<fake_root_state>* self,
                        job_graph_store_actor store, caf::actor observer) {
  return {
    [=](caf::get_atom,
        job_graphs_atom) -> caf::result<job_graph_store_actor> {
      auto& st = self->state;
      if (!st.holding)
        return store;
      st.held.push_back(self->make_response_promise());
      self->send(observer, held_atom::value);
      return st.held.back();
    },
    [=](hold_atom) {
      self->state.holding = true;
      return caf::ok_atom::value;
    },
    [=](release_atom) {
      for (auto& promise : self->state.held)
        promise.deliver(store);
      self->state.held.clear();
      return caf::ok_atom::value;
    },
  };
}

/// Tells `observer` (job_added, job, tag) for each job it hears of.
job_graph_listener_actor::behavior_type
tagged_listener(job_graph_listener_actor::pointer, caf::actor observer,
                int tag) {
  return {
    [=](job_added_atom, const job_id& id) {
      caf::anon_send(observer, job_added_atom::value, id, tag);
    },
    [=](job_removed_atom, const job_id&) {},
  };
}

// -- fixture ------------------------------------------------------------------

job_graph make_graph(uint8_t n, std::string name) {
  job_graph graph;
  graph.id = test_job(n);
  graph.name = std::move(name);
  graph.payload = {n};
  return graph;
}

struct remote_fixture {
  services_fixture services{"embedded"};
  caf::actor_system& sys = services.sys();
  caf::scoped_actor self{sys};
  caf::actor observer = caf::actor_cast<caf::actor>(self);
  /// Every fake, the link too, told to exit at the end: declared first.
  std::vector<caf::actor> fakes;
  caf::actor link_actor = spawn(fake_link);
  services_link_actor link = caf::actor_cast<services_link_actor>(link_actor);

  ~remote_fixture() {
    // The handles end with the link.
    for (auto& x : fakes)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  }

  template <class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto result = caf::actor_cast<caf::actor>(
      sys.spawn(std::forward<Ts>(xs)...));
    fakes.push_back(result);
    return result;
  }

  /// A fake job graph store; a fake root handing it out. Untyped, so that
  /// the test can send them its commands.
  std::pair<caf::actor, caf::actor> make_fakes() {
    auto store = spawn(fake_job_graphs, observer);
    auto root = spawn(fake_root, caf::actor_cast<job_graph_store_actor>(store),
                      observer);
    return {store, root};
  }

  /// The answer of `dest`, or the error, within `test_wait`.
  template <class R, class Handle, class... Ts>
  caf::expected<R> try_ask(const Handle& dest, Ts&&... xs) {
    caf::expected<R> result = caf::sec::request_timeout;
    self->request(dest, test_wait, std::forward<Ts>(xs)...)
      .receive([&](R& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  template <class R, class Handle, class... Ts>
  R ask(const Handle& dest, Ts&&... xs) {
    auto x = try_ask<R>(dest, std::forward<Ts>(xs)...);
    INFO("request failed: " << (x ? "" : describe(x.error())));
    REQUIRE(x);
    return std::move(*x);
  }

  /// The error of the request, which must fail.
  template <class R, class Handle, class... Ts>
  caf::error failure(const Handle& dest, Ts&&... xs) {
    auto x = try_ask<R>(dest, std::forward<Ts>(xs)...);
    REQUIRE_FALSE(x);
    return std::move(x.error());
  }

  template <class Handle>
  void go_up(const Handle& root) {
    ask<caf::ok_atom>(link_actor, go_up_atom::value,
                      caf::actor_cast<ha_services_actor>(root));
  }

  void go_down() {
    ask<caf::ok_atom>(link_actor, go_down_atom::value);
  }

  /// Waits for a fake's `held`.
  void await_held() {
    self->receive([](held_atom) {},
                  caf::after(test_wait) >> [] { FAIL("nothing was held"); });
  }

  /// Waits until `who` terminated.
  template <class Handle>
  void await_down(const Handle& who) {
    self->monitor(who);
    self->receive([](const caf::down_msg&) {},
                  caf::after(test_wait) >> [] { FAIL("actor did not end"); });
  }
};

/// backend_unavailable whose message names `store` and contains `part`.
void check_unavailable(const caf::error& err, const std::string& store,
                       const std::string& part) {
  INFO("error: " << describe(err));
  CHECK(is(err, errc::backend_unavailable));
  CHECK_THAT(describe(err),
             Catch::StartsWith(store + ": ") && Catch::Contains(part));
}

using ok = caf::ok_atom;

} // namespace

TEST_CASE("every remote store handle passes requests on to the node's store "
          "and its errors back unchanged",
          "[remote_store]") {
  remote_fixture fx;
  fx.go_up(fx.services.start());
  auto job = test_job(1);
  auto unknown = test_job(2);
  auto graphs = spawn_remote_job_graphs(fx.sys, fx.link);
  fx.ask<ok>(graphs, caf::put_atom::value, make_graph(1, "wordcount"),
             fencing_token{});
  CHECK(fx.ask<job_graph>(graphs, caf::get_atom::value, job).name
        == "wordcount");
  CHECK(is(fx.failure<job_graph>(graphs, caf::get_atom::value, unknown),
           errc::not_found));
  // An epoch the election never issued.
  CHECK(is(fx.failure<ok>(graphs, caf::put_atom::value, make_graph(1, "x"),
                          fencing_token{"dispatcher", 1000}),
           errc::invalid_argument));
  auto results = spawn_remote_job_results(fx.sys, fx.link);
  job_result_entry entry;
  entry.id = job;
  fx.ask<ok>(results, create_dirty_atom::value, entry, fencing_token{});
  CHECK(is(fx.failure<ok>(results, create_dirty_atom::value, entry,
                          fencing_token{}),
           errc::already_exists));
  CHECK(fx.ask<bool>(results, has_dirty_atom::value, job));
  CHECK(is(fx.failure<ok>(results, mark_clean_atom::value, unknown,
                          fencing_token{}),
           errc::not_found));
  auto registry = spawn_remote_registry(fx.sys, fx.link);
  fx.ask<ok>(registry, set_running_atom::value, job, fencing_token{});
  CHECK(fx.ask<scheduling_status>(registry, caf::get_atom::value, job)
        == scheduling_status::running);
  auto checkpoints = spawn_remote_checkpoints(fx.sys, fx.link);
  CHECK(fx.ask<uint64_t>(checkpoints, next_id_atom::value, job,
                         fencing_token{})
        == 1);
  CHECK(fx.ask<uint64_t>(checkpoints, caf::get_atom::value,
                         counter_atom::value, job)
        == 2);
  completed_checkpoint checkpoint;
  checkpoint.job = job;
  checkpoint.checkpoint_id = 1;
  CHECK(is(fx.failure<std::vector<completed_checkpoint>>(
             checkpoints, caf::add_atom::value, checkpoint, uint32_t{0},
             fencing_token{}),
           errc::invalid_argument));
  auto blobs = spawn_remote_blobs(fx.sys, fx.link);
  auto upload = fx.ask<uint64_t>(blobs, upload_atom::value, job,
                                 blob_type::permanent);
  fx.ask<ok>(blobs, upload_chunk_atom::value, upload,
             std::vector<uint8_t>{1, 2, 3});
  auto key = fx.ask<blob_key>(blobs, upload_commit_atom::value, upload);
  CHECK(fx.ask<uint64_t>(blobs, download_atom::value, job, key) == 3);
  CHECK(is(fx.failure<uint64_t>(blobs, download_atom::value, unknown, key),
           errc::not_found));
  // The chunked client takes the handle like a local store.
  auto source = fx.services.dir().str() + "/source";
  auto copy = fx.services.dir().str() + "/copy";
  { std::ofstream{source} << "remote blob"; }
  auto uploaded = upload_file(fx.sys, blobs, job, blob_type::permanent, source);
  REQUIRE(uploaded);
  CHECK_FALSE(download_file(fx.sys, blobs, job, *uploaded, copy));
  std::ifstream in{copy};
  CHECK(std::string{std::istreambuf_iterator<char>{in}, {}} == "remote blob");
  // Only the services root may clean up.
  CHECK(is(fx.failure<ok>(blobs, cleanup_atom::value),
           errc::permission_denied));
}

TEST_CASE("while the link is down a remote store handle fails every request "
          "at once with backend_unavailable naming the store",
          "[remote_store]") {
  remote_fixture fx;
  // Never connected: the first requests are made before the handles know.
  auto graphs = spawn_remote_job_graphs(fx.sys, fx.link);
  auto blobs = spawn_remote_blobs(fx.sys, fx.link);
  check_unavailable(fx.failure<job_graph>(graphs, caf::get_atom::value,
                                          test_job(1)),
                    "job graph store", "not connected to ha-node at fake:1");
  check_unavailable(fx.failure<ok>(blobs, caf::delete_atom::value,
                                   test_job(1)),
                    "blob store", "not connected to ha-node at fake:1");
  fx.go_up(fx.services.start());
  fx.ask<std::vector<job_id>>(graphs, caf::get_atom::value,
                              job_ids_atom::value);
  fx.ask<ok>(blobs, caf::delete_atom::value, test_job(1));
  fx.go_down();
  check_unavailable(fx.failure<std::vector<job_id>>(graphs,
                                                    caf::get_atom::value,
                                                    job_ids_atom::value),
                    "job graph store", lost_reason);
  check_unavailable(fx.failure<ok>(blobs, caf::delete_atom::value,
                                   test_job(1)),
                    "blob store", lost_reason);
}

TEST_CASE("requests waiting for the node's answer fail at once with "
          "backend_unavailable when the connection is lost",
          "[remote_store]") {
  remote_fixture fx;
  auto graphs = spawn_remote_job_graphs(fx.sys, fx.link);
  auto get = [&] {
    return fx.self->request(graphs, test_wait, caf::get_atom::value,
                            test_job(1));
  };
  auto expect_lost = [&](auto& pending, const std::string& part) {
    caf::error err;
    pending.receive([](const job_graph&) { FAIL("an answer"); },
                    [&](caf::error& x) { err = std::move(x); });
    check_unavailable(err, "job graph store", part);
    check_unavailable(err, "job graph store", lost_reason);
  };
  SECTION("a request the node's store holds") {
    auto [store, root] = fx.make_fakes();
    fx.ask<ok>(store, hold_atom::value);
    fx.go_up(root);
    auto pending = get();
    fx.await_held();
    fx.go_down();
    expect_lost(pending, "may or may not have taken effect");
  }
  SECTION("a request waiting for the handle's lookup of the store") {
    auto [store, root] = fx.make_fakes();
    fx.ask<ok>(root, hold_atom::value);
    fx.go_up(root);
    fx.await_held();
    auto pending = get();
    fx.go_down();
    expect_lost(pending, "unavailable until the connection to ha-node is "
                         "back");
  }
}

TEST_CASE("after reconnection the same handle works on the store of the new "
          "root, and a lookup answered for an older connection is dropped",
          "[remote_store]") {
  remote_fixture fx;
  auto graphs = spawn_remote_job_graphs(fx.sys, fx.link);
  auto [first_store, first_root] = fx.make_fakes();
  fx.go_up(first_root);
  fx.ask<ok>(graphs, caf::put_atom::value, make_graph(1, "one"),
             fencing_token{});
  CHECK(fx.ask<job_graph>(first_store, caf::get_atom::value, test_job(1)).name
        == "one");
  CHECK(is(fx.failure<ok>(graphs, caf::put_atom::value, make_graph(1, "x"),
                          fencing_token{"stale", 1}),
           errc::fenced));
  fx.go_down();
  // A connection whose lookup is answered only after the next connection.
  auto [old_store, old_root] = fx.make_fakes();
  fx.ask<ok>(old_root, hold_atom::value);
  fx.go_up(old_root);
  fx.await_held();
  fx.go_down();
  auto [new_store, new_root] = fx.make_fakes();
  fx.ask<ok>(new_store, caf::put_atom::value, make_graph(2, "two"),
             fencing_token{});
  fx.ask<ok>(new_root, hold_atom::value);
  fx.go_up(new_root);
  fx.await_held();
  // The handle gets the old answer first, then the new one; the request
  // waits for the store and goes to the first one the handle takes.
  auto pending = fx.self->request(graphs, test_wait, caf::get_atom::value,
                                  test_job(2));
  fx.ask<ok>(old_root, release_atom::value);
  fx.ask<ok>(new_root, release_atom::value);
  pending.receive([](const job_graph& x) { CHECK(x.name == "two"); },
                  [](const caf::error& err) { FAIL(describe(err)); });
  CHECK(is(fx.failure<job_graph>(graphs, caf::get_atom::value, test_job(1)),
           errc::not_found));
  fx.ask<ok>(graphs, caf::put_atom::value, make_graph(3, "three"),
             fencing_token{});
  CHECK(fx.ask<std::vector<job_id>>(new_store, caf::get_atom::value,
                                    job_ids_atom::value)
        == std::vector<job_id>{test_job(2), test_job(3)});
  CHECK(fx.ask<std::vector<job_id>>(old_store, caf::get_atom::value,
                                    job_ids_atom::value)
          .empty());
}

TEST_CASE("job graph listeners that joined through a handle are joined again "
          "after reconnection, and leave forgets them",
          "[remote_store]") {
  remote_fixture fx;
  auto graphs = spawn_remote_job_graphs(fx.sys, fx.link);
  auto [first_store, first_root] = fx.make_fakes();
  fx.go_up(first_root);
  auto staying = fx.spawn(tagged_listener, fx.observer, 1);
  auto leaving = fx.spawn(tagged_listener, fx.observer, 2);
  auto listener = [](const caf::actor& x) {
    return caf::actor_cast<job_graph_listener_actor>(x);
  };
  fx.ask<ok>(graphs, caf::join_atom::value, listener(staying));
  fx.ask<ok>(graphs, caf::join_atom::value, listener(leaving));
  CHECK(fx.ask<uint64_t>(first_store, count_atom::value) == 2);
  fx.ask<ok>(graphs, caf::leave_atom::value, listener(leaving));
  CHECK(fx.ask<uint64_t>(first_store, count_atom::value) == 1);
  fx.go_down();
  check_unavailable(fx.failure<ok>(graphs, caf::join_atom::value,
                                   listener(leaving)),
                    "job graph store", lost_reason);
  auto [second_store, second_root] = fx.make_fakes();
  fx.go_up(second_root);
  // Answered after the handle fetched the store and joined its listeners.
  fx.ask<std::vector<job_id>>(graphs, caf::get_atom::value,
                              job_ids_atom::value);
  CHECK(fx.ask<uint64_t>(second_store, count_atom::value) == 1);
  fx.ask<ok>(second_store, notify_atom::value, test_job(7));
  fx.self->receive(
    [](job_added_atom, const job_id& id, int tag) {
      CHECK(id == test_job(7));
      CHECK(tag == 1);
    },
    caf::after(test_wait) >> [] { FAIL("the listener heard nothing"); });
}

TEST_CASE("a remote store handle takes connected and disconnected only from "
          "its link, and ends with its link or on an exit message",
          "[remote_store]") {
  remote_fixture fx;
  auto graphs = spawn_remote_job_graphs(fx.sys, fx.link);
  auto [store, root] = fx.make_fakes();
  fx.go_up(root);
  fx.ask<ok>(graphs, caf::put_atom::value, make_graph(1, "one"),
             fencing_token{});
  auto as_subscriber = caf::actor_cast<link_subscriber_actor>(graphs);
  fx.self->send(as_subscriber, disconnected_atom::value,
                make_error(errc::backend_unavailable, "forged"));
  CHECK(fx.ask<job_graph>(graphs, caf::get_atom::value, test_job(1)).name
        == "one");
  SECTION("the link ends: a request the store holds fails, the handle ends") {
    fx.ask<ok>(store, hold_atom::value);
    auto pending = fx.self->request(graphs, test_wait, caf::get_atom::value,
                                    test_job(1));
    fx.await_held();
    caf::anon_send_exit(fx.link_actor, caf::exit_reason::user_shutdown);
    pending.receive([](const job_graph&) { FAIL("an answer"); },
                    [](const caf::error& err) {
                      CHECK(is(err, errc::closed));
                    });
    fx.await_down(graphs);
  }
  SECTION("an exit message ends the handle") {
    caf::anon_send_exit(graphs, caf::exit_reason::user_shutdown);
    fx.await_down(graphs);
  }
}
