#include "caf_ha/actors/client/remote_service.hpp"

#include <algorithm>
#include <optional>

#include <caf/actor_system.hpp>

#include "caf_ha/actors/client/remote_proxy.hpp"
#include "caf_ha/actors/spread_send.hpp"

namespace ha {

namespace {

using namespace remote_proxy;

/// What the retriever proxy keeps to relay the node's reports.
struct relay_state {
  /// The leader the node last reported on this subscription; empty before
  /// its first report and once the connection is lost.
  std::optional<leader_info> current;
  /// The connection generation on which the proxy joined the node's
  /// retriever; 0: not joined.
  uint64_t subscribed = 0;
};

/// The remote retriever joins the node's retriever once, itself, and
/// relays each report to its listeners: a change crosses the network once
/// per process, not once per listener.
struct retrieval_traits {
  using service = retriever_actor;
  using member = listener_actor;
  using proxy = retriever_actor::extend_with<link_subscriber_actor>::
    extend_with<listener_actor>::extend<caf::reacts_to<retry_atom, uint64_t>>;
  using extra = relay_state;
  static constexpr auto which = retriever_atom::value;
  static constexpr auto error_atom = retrieval_error_atom::value;
  static constexpr const char* log_name = "retrieval";

  template <class Self>
  static void on_service(Self self);
  template <class Self>
  static void on_lost(Self self);
  template <class Self>
  static void on_member_gone(Self self);
};

using retriever_pointer = remote_pointer<retrieval_traits>;

listener_actor as_listener(retriever_pointer self) {
  return caf::actor_cast<listener_actor>(self);
}

void on_leader(retriever_pointer self, const leader_info& info);

/// After a failed join or read on this connection: joins again after the
/// retry delay (the retry looks the service up again first).
void retry_subscription(retriever_pointer self, uint64_t generation,
                        const char* what, const caf::error& err) {
  auto& st = self->state;
  logger(retrieval_traits::log_name)
    ->warn("{}: {} ha-node's retriever failed, trying again: {}",
           st.component, what, describe(err));
  st.extra.subscribed = 0;
  schedule_retry(self, generation);
}

/// Tells the node's retriever that this proxy no longer listens; the node
/// answers ok to a proxy it does not know, and forgets the proxy with the
/// connection anyway, so a failure is only logged.
void leave_node(retriever_pointer self) {
  self
    ->request(self->state.service, request_timeout, leave_atom::value,
              as_listener(self))
    .then([](caf::ok_atom) {},
          [self](const caf::error& err) {
            logger(retrieval_traits::log_name)
              ->debug("{}: leaving ha-node's retriever failed: {}",
                      self->state.component, describe(err));
          });
}

/// Asks the node's retriever for the current leader and relays it unless
/// the listeners have it: after a join the node did not answer with a
/// report (it still knew the proxy from a join that timed out here), or
/// whose reports were dropped while the proxy looked the service up again.
void resync(retriever_pointer self, uint64_t generation) {
  self->request(self->state.service, request_timeout, caf::get_atom::value)
    .then(
      [self, generation](const leader_info& info) {
        if (generation == self->state.generation)
          on_leader(self, info);
      },
      [self, generation](const caf::error& err) {
        if (generation == self->state.generation)
          retry_subscription(self, generation, "reading the leader from", err);
      });
}

/// Joins the node's retriever of this connection while the proxy has
/// listeners; the node then reports the current leader and every change.
void subscribe(retriever_pointer self) {
  auto& st = self->state;
  if (!st.service || st.members.empty()
      || st.extra.subscribed == st.generation)
    return;
  auto generation = st.generation;
  st.extra.subscribed = generation;
  self->request(st.service, request_timeout, join_atom::value, as_listener(self))
    .then([self, generation](caf::ok_atom) { resync(self, generation); },
          [self, generation](const caf::error& err) {
            if (generation != self->state.generation)
              return;
            // already_exists: the node still knew this proxy and reports
            // nothing now.
            if (is(err, errc::already_exists))
              resync(self, generation);
            else
              retry_subscription(self, generation, "joining", err);
          });
}

/// Leaves the node's retriever once the last listener is gone, so that the
/// node can stop a retrieval nobody follows.
void unsubscribe_if_idle(retriever_pointer self) {
  auto& st = self->state;
  if (!st.members.empty() || !st.service
      || st.extra.subscribed != st.generation)
    return;
  st.extra.subscribed = 0;
  st.extra.current.reset();
  leave_node(self);
}

template <class Self>
void retrieval_traits::on_service(Self self) {
  // Without listeners: the last one may have left while the service was
  // looked up again, when leaving was not possible, so leave now.
  if (self->state.members.empty())
    leave_node(self);
  else
    subscribe(self);
}

template <class Self>
void retrieval_traits::on_lost(Self self) {
  self->state.extra.current.reset();
}

template <class Self>
void retrieval_traits::on_member_gone(Self self) {
  unsubscribe_if_idle(self);
}

/// True if the current message is a report of the node's retriever this
/// proxy joined; anything else is logged and to be dropped.
bool from_subscription(retriever_pointer self, const char* what) {
  auto& st = self->state;
  auto& sender = self->current_sender();
  if (st.service && st.extra.subscribed == st.generation && sender != nullptr
      && sender->address() == st.service.address())
    return true;
  logger(retrieval_traits::log_name)
    ->debug("{}: dropped '{}' from other than the node's retriever it "
            "joined",
            st.component, what);
  return false;
}

void relay(retriever_pointer self, const caf::message& msg) {
  for (auto& listener : self->state.members)
    spread_send(self->ctrl(), listener, msg);
}

void on_leader(retriever_pointer self, const leader_info& info) {
  auto& st = self->state;
  if (st.extra.current && st.extra.current->same_leader(info))
    return;
  st.extra.current = info;
  relay(self, caf::make_message(leader_atom::value, st.component, info));
}

caf::result<caf::ok_atom> on_join(retriever_pointer self,
                                  listener_actor listener) {
  auto& st = self->state;
  if (!listener)
    return make_error(errc::invalid_argument, "join without a listener");
  if (std::find(st.members.begin(), st.members.end(), listener)
      != st.members.end())
    return make_error(errc::already_exists,
                      "listener already joined the retrieval of "
                        + st.component);
  self->monitor(listener);
  if (st.extra.current)
    spread_send(self->ctrl(), listener,
                caf::make_message(leader_atom::value, st.component,
                                  *st.extra.current));
  st.members.push_back(std::move(listener));
  subscribe(self);
  return caf::ok_atom::value;
}

caf::result<caf::ok_atom> on_leave(retriever_pointer self,
                                   const listener_actor& listener) {
  self->demonitor(listener.address());
  erase_actor(self->state.members, listener.address());
  unsubscribe_if_idle(self);
  return caf::ok_atom::value;
}

retrieval_traits::proxy::behavior_type
remote_retriever(retriever_pointer self, services_link_actor link,
                 std::string component) {
  init<retrieval_traits>(self, link, std::move(component));
  return {
    [self](join_atom, listener_actor listener) {
      return on_join(self, std::move(listener));
    },
    [self](leave_atom, const listener_actor& listener) {
      return on_leave(self, listener);
    },
    [self](caf::get_atom what) {
      return forward<retrieval_traits, leader_info>(self, what);
    },
    [self](leader_atom, const std::string&, const leader_info& info) {
      if (from_subscription(self, "leader"))
        on_leader(self, info);
    },
    [self](retrieval_error_atom, const std::string&, const caf::error& err) {
      if (from_subscription(self, "retrieval_error"))
        relay(self, caf::make_message(retrieval_error_atom::value,
                                      self->state.component, err));
    },
    [self, link](connected_atom, const ha_services_actor& root) {
      if (from_link(self, link, "connected"))
        on_connected<retrieval_traits>(self, root);
    },
    [self, link](disconnected_atom, const caf::error& err) {
      if (from_link(self, link, "disconnected"))
        on_disconnected<retrieval_traits>(self, err);
    },
    [self](retry_atom, uint64_t generation) {
      on_retry<retrieval_traits>(self, generation);
    },
  };
}

} // namespace

retriever_actor spawn_remote_retriever(caf::actor_system& sys,
                                       services_link_actor link,
                                       std::string component) {
  return caf::actor_cast<retriever_actor>(
    sys.spawn(remote_retriever, std::move(link), std::move(component)));
}

} // namespace ha
