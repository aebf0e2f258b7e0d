#include "caf_ha/actors/client/remote_store.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/client/link_follower.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

// -- what differs between the stores -----------------------------------------

/// How to ask the root for a store, and its name in errors and logs.
template <class Store>
struct store_traits;

template <>
struct store_traits<job_graph_store_actor> {
  static constexpr auto which = job_graphs_atom::value;
  static constexpr const char* name = "job graph store";
};

template <>
struct store_traits<job_result_store_actor> {
  static constexpr auto which = job_results_atom::value;
  static constexpr const char* name = "job result store";
};

template <>
struct store_traits<running_jobs_registry_actor> {
  static constexpr auto which = registry_atom::value;
  static constexpr const char* name = "running jobs registry";
};

template <>
struct store_traits<checkpoint_store_actor> {
  static constexpr auto which = checkpoints_atom::value;
  static constexpr const char* name = "checkpoint store";
};

template <>
struct store_traits<blob_store_actor> {
  static constexpr auto which = blobs_atom::value;
  static constexpr const char* name = "blob store";
};

// -- state --------------------------------------------------------------------

/// A request taken from a caller: answered when the node's store answers,
/// or with an error as soon as that can no longer happen.
struct pending_request {
  caf::response_promise promise;
  /// Sends the request once the store is known; empty once sent.
  std::function<void()> send;
};

template <class Store>
struct remote_store_state {
  services_link_actor link;
  /// The node's root of this connection; null while disconnected.
  ha_services_actor root;
  /// The node's store; null while disconnected or being fetched.
  Store store;
  bool looking_up = false;
  /// Why the store is unavailable: set while disconnected, none while
  /// connected and before the link said either way.
  caf::error away;
  /// Counts connection changes, so that the answer to a lookup made for an
  /// older connection is dropped.
  uint64_t generation = 0;
  uint64_t last_request = 0;
  /// By arrival: requests waiting for the store go out in that order.
  std::map<uint64_t, pending_request> pending;
  /// Job graph listeners the node's store accepted through this handle.
  std::vector<job_graph_listener_actor> listeners;

  static inline const char* name = "remote_store";
};

template <class Store>
using proxy = typename Store::template extend_with<link_subscriber_actor>;

template <class Store>
using pointer = typename proxy<Store>::template stateful_pointer<
  remote_store_state<Store>>;

// -- errors -------------------------------------------------------------------

template <class Store>
caf::error unavailable(const std::string& why) {
  return make_error(errc::backend_unavailable,
                    std::string{store_traits<Store>::name} + ": " + why);
}

/// CAF's errors for a request that found no store or got no answer say
/// nothing about the store: the caller learns that it is unavailable. The
/// store's own errors pass unchanged.
template <class Store>
caf::error for_caller(caf::error err) {
  if (err == caf::sec::request_receiver_down)
    return unavailable<Store>("the store on ha-node ended before answering");
  if (err == caf::sec::request_timeout)
    return unavailable<Store>("no answer from ha-node within "
                              + std::to_string(remote_store_timeout.count())
                              + " s");
  return err;
}

template <class Store>
caf::error not_connected(pointer<Store> self) {
  return unavailable<Store>("unavailable until the connection to ha-node is "
                            "back: "
                            + describe(self->state.away));
}

// -- pending requests ---------------------------------------------------------

/// The promise of request `id` if it is still pending: an answer that
/// comes after the request failed is dropped.
template <class Store>
std::optional<caf::response_promise> take(pointer<Store> self, uint64_t id) {
  auto& pending = self->state.pending;
  auto i = pending.find(id);
  if (i == pending.end())
    return std::nullopt;
  auto promise = std::move(i->second.promise);
  pending.erase(i);
  return promise;
}

/// Fails every pending request, or only those still waiting for the store.
template <class Store>
void fail_pending(pointer<Store> self, const caf::error& err,
                  bool waiting_only = false) {
  auto& pending = self->state.pending;
  for (auto i = pending.begin(); i != pending.end();) {
    if (waiting_only && !i->second.send) {
      ++i;
      continue;
    }
    i->second.promise.deliver(err);
    i = pending.erase(i);
  }
}

/// Sends request `id` to the node's store; `on_ok` runs when it succeeds.
template <class Store, class OnOk, class... Os, class... Ts>
void send_request(pointer<Store> self, uint64_t id, caf::output_tuple<Os...>,
                  OnOk on_ok, const Ts&... xs) {
  self->request(self->state.store, remote_store_timeout, xs...)
    .then(
      [self, id, on_ok](Os&... ys) {
        if (auto promise = take<Store>(self, id)) {
          on_ok();
          promise->deliver(std::move(ys)...);
        }
      },
      [self, id](caf::error& err) {
        if (auto promise = take<Store>(self, id))
          promise->deliver(for_caller<Store>(std::move(err)));
      });
}

template <class Store>
void look_up(pointer<Store> self);

/// Passes a request on to the node's store. While the store is being
/// fetched the request waits for it; while disconnected it fails at once.
template <class Store, class OnOk, class... Os, class... Ts>
caf::result<Os...> forward(pointer<Store> self, caf::output_tuple<Os...> out,
                           OnOk on_ok, const Ts&... xs) {
  auto& st = self->state;
  if (!st.root && st.away)
    return not_connected<Store>(self);
  auto id = ++st.last_request;
  auto& entry = st.pending[id];
  entry.promise = self->make_response_promise();
  if (st.store) {
    send_request<Store>(self, id, out, on_ok, xs...);
  } else {
    entry.send = [=] { send_request<Store>(self, id, out, on_ok, xs...); };
    look_up<Store>(self);
  }
  return entry.promise;
}

// -- job graph listeners ------------------------------------------------------

template <class Store>
void remember(pointer<Store> self, const job_graph_listener_actor& listener) {
  auto& listeners = self->state.listeners;
  for (auto& x : listeners)
    if (x == listener)
      return;
  self->monitor(listener);
  listeners.push_back(listener);
}

template <class Store>
void rejoin_listeners(pointer<Store> self) {
  if constexpr (std::is_same_v<Store, job_graph_store_actor>) {
    auto& st = self->state;
    for (auto& listener : st.listeners)
      self->request(st.store, remote_store_timeout, caf::join_atom::value,
                    listener)
        .then([](caf::ok_atom) {},
              [](const caf::error& err) {
                logger("store")->warn("job graph store: joining a listener "
                                      "again failed: {}",
                                      describe(err));
              });
    if (!st.listeners.empty())
      logger("store")->info("job graph store: joined {} listener(s) again on "
                            "ha-node",
                            st.listeners.size());
  }
}

// -- the connection -----------------------------------------------------------

template <class Store>
void on_store(pointer<Store> self, Store store) {
  auto& st = self->state;
  st.looking_up = false;
  st.store = std::move(store);
  self->monitor(st.store);
  rejoin_listeners<Store>(self);
  for (auto& entry : st.pending)
    if (entry.second.send)
      std::exchange(entry.second.send, nullptr)();
}

/// Asks the root of this connection for the store, unless it is known or
/// asked for already.
template <class Store>
void look_up(pointer<Store> self) {
  auto& st = self->state;
  if (!st.root || st.store || st.looking_up)
    return;
  st.looking_up = true;
  auto generation = st.generation;
  self
    ->request(st.root, remote_store_timeout, caf::get_atom::value,
              store_traits<Store>::which)
    .then(
      [self, generation](Store store) {
        if (generation == self->state.generation)
          on_store<Store>(self, std::move(store));
      },
      [self, generation](const caf::error& err) {
        if (generation != self->state.generation)
          return;
        self->state.looking_up = false;
        auto why = "cannot get the store from ha-node: " + describe(err);
        logger("store")->warn("{}: {}", store_traits<Store>::name, why);
        // The next request asks again.
        fail_pending<Store>(self, unavailable<Store>(why), true);
      });
}

template <class Store>
void forget_store(pointer<Store> self) {
  auto& st = self->state;
  if (st.store)
    self->demonitor(st.store.address());
  st.store = nullptr;
  st.looking_up = false;
  ++st.generation;
}

template <class Store>
void on_connected(pointer<Store> self, ha_services_actor root) {
  auto& st = self->state;
  // The link announces a connection on join and answers our first `get`.
  if (root.address() == st.root.address())
    return;
  forget_store<Store>(self);
  st.root = std::move(root);
  st.away = caf::none;
  look_up<Store>(self);
}

template <class Store>
void on_disconnected(pointer<Store> self, const caf::error& err) {
  auto& st = self->state;
  forget_store<Store>(self);
  st.root = nullptr;
  st.away = err ? err
                : make_error(errc::backend_unavailable, "disconnected");
  fail_pending<Store>(self, not_connected<Store>(self), true);
  fail_pending<Store>(self,
                      unavailable<Store>("no answer before the connection to "
                                         "ha-node ended, so the request may "
                                         "or may not have taken effect: "
                                         + describe(st.away)));
}

/// Fails what is still pending and quits.
template <class Store>
void stop(pointer<Store> self, const caf::error& reason) {
  fail_pending<Store>(self,
                      make_error(errc::closed,
                                 std::string{store_traits<Store>::name}
                                   + ": the handle stopped ("
                                   + self->system().render(reason) + ")"));
  self->quit(reason);
}

// -- behaviour ----------------------------------------------------------------

/// The handler of one message of the store's interface: passes it on.
template <class Store, class Signature>
struct forwarder;

template <class Store, class... Is, class... Os>
struct forwarder<Store, caf::typed_mpi<caf::detail::type_list<Is...>,
                                       caf::output_tuple<Os...>>> {
  static auto make(pointer<Store> self) {
    return [self](const Is&... xs) -> caf::result<Os...> {
      return forward<Store>(self, caf::output_tuple<Os...>{}, [] {}, xs...);
    };
  }
};

/// A listener the node's store accepted is joined again after each
/// reconnection.
template <class Store>
struct forwarder<Store, caf::replies_to<caf::join_atom,
                                        job_graph_listener_actor>::with<
                          caf::ok_atom>> {
  static auto make(pointer<Store> self) {
    return [self](caf::join_atom x, const job_graph_listener_actor& listener)
             -> caf::result<caf::ok_atom> {
      auto on_ok = [self, listener] { remember<Store>(self, listener); };
      return forward<Store>(self, caf::output_tuple<caf::ok_atom>{}, on_ok, x,
                            listener);
    };
  }
};

template <class Store>
struct forwarder<Store, caf::replies_to<caf::leave_atom,
                                        job_graph_listener_actor>::with<
                          caf::ok_atom>> {
  static auto make(pointer<Store> self) {
    return [self](caf::leave_atom x, const job_graph_listener_actor& listener)
             -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      self->demonitor(listener.address());
      erase_actor(st.listeners, listener.address());
      // The node dropped its listeners with the connection.
      if (!st.root && st.away)
        return caf::ok_atom::value;
      return forward<Store>(self, caf::output_tuple<caf::ok_atom>{}, [] {}, x,
                            listener);
    };
  }
};

template <class Store, class... Signatures>
typename proxy<Store>::behavior_type
make_behavior(pointer<Store> self, caf::detail::type_list<Signatures...>) {
  return {
    forwarder<Store, Signatures>::make(self)...,
    [self](connected_atom, const ha_services_actor& root) {
      if (from_link(self, self->state.link, "connected"))
        on_connected<Store>(self, root);
    },
    [self](disconnected_atom, const caf::error& err) {
      if (from_link(self, self->state.link, "disconnected"))
        on_disconnected<Store>(self, err);
    },
  };
}

template <class Store>
void on_down(pointer<Store> self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (msg.source == st.link.address()) {
    stop<Store>(self, msg.reason);
  } else if (st.store && msg.source == st.store.address()) {
    // The node ended its store but not the connection: fetch it again. A
    // lost connection is the link's to report.
    forget_store<Store>(self);
    if (msg.reason != caf::exit_reason::remote_link_unreachable)
      look_up<Store>(self);
  } else {
    erase_actor(st.listeners, msg.source);
  }
}

template <class Store>
typename proxy<Store>::behavior_type remote_store(pointer<Store> self,
                                                  services_link_actor link) {
  self->state.link = link;
  self->set_down_handler(
    [self](const caf::down_msg& msg) { on_down<Store>(self, msg); });
  self->set_exit_handler(
    [self](const caf::exit_msg& msg) { stop<Store>(self, msg.reason); });
  follow_link(self, link);
  // The link announces only a connection: ask, so that requests made before
  // it is back do not wait for it.
  self->request(link, remote_store_timeout, caf::get_atom::value)
    .then(
      [self](ha_services_actor root) {
        on_connected<Store>(self, std::move(root));
      },
      [self](const caf::error& err) {
        if (!self->state.root)
          on_disconnected<Store>(self, err);
      });
  return make_behavior<Store>(self, typename Store::signatures{});
}

template <class Store>
Store spawn_remote(caf::actor_system& sys, services_link_actor link) {
  return caf::actor_cast<Store>(sys.spawn(remote_store<Store>,
                                          std::move(link)));
}

} // namespace

job_graph_store_actor spawn_remote_job_graphs(caf::actor_system& sys,
                                              services_link_actor link) {
  return spawn_remote<job_graph_store_actor>(sys, std::move(link));
}

job_result_store_actor spawn_remote_job_results(caf::actor_system& sys,
                                                services_link_actor link) {
  return spawn_remote<job_result_store_actor>(sys, std::move(link));
}

running_jobs_registry_actor spawn_remote_registry(caf::actor_system& sys,
                                                  services_link_actor link) {
  return spawn_remote<running_jobs_registry_actor>(sys, std::move(link));
}

checkpoint_store_actor spawn_remote_checkpoints(caf::actor_system& sys,
                                                services_link_actor link) {
  return spawn_remote<checkpoint_store_actor>(sys, std::move(link));
}

blob_store_actor spawn_remote_blobs(caf::actor_system& sys,
                                    services_link_actor link) {
  return spawn_remote<blob_store_actor>(sys, std::move(link));
}

} // namespace ha
