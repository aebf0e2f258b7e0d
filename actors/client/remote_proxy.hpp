#pragma once

// What the remote elector and the remote retriever (remote_service.hpp)
// share: following the services link, looking up the node's service for
// each connection, forwarding requests and failing them when the
// connection is lost. Each proxy brings traits naming its service, its
// members and what it does when the service is found or lost.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/client/link_follower.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/services_link.hpp"

namespace ha::remote_proxy {

constexpr auto request_timeout = std::chrono::seconds(10);

/// A lookup or join that failed while the link stays connected is tried
/// again after this long, so that no member is left outside the service.
constexpr auto retry_delay = std::chrono::seconds(1);

using retry_atom = caf::atom_constant<caf::atom("retry")>;

template <class Traits>
struct remote_state {
  std::string component;
  /// The node's service for this connection; null while disconnected.
  typename Traits::service service;
  /// The node's root for this connection, to ask again for a service the
  /// node stopped while it was idle.
  ha_services_actor root;
  std::vector<typename Traits::member> members;
  /// What only this kind of proxy keeps.
  typename Traits::extra extra;
  /// Counts connection changes, so that the answer to a lookup made for an
  /// older connection is dropped.
  uint64_t generation = 0;
  /// False until the link first says whether it is connected: requests
  /// made before then wait instead of failing.
  bool heard_from_link = false;
  /// Requests taken from callers, failed at once when the connection is
  /// lost (their answers can no longer come).
  std::map<uint64_t, std::function<void(const caf::error&)>> pending;
  /// Requests waiting for the service of this connection.
  std::vector<std::function<void()>> waiting;
  uint64_t last_request = 0;

  static inline const char* name = "remote_service";
};

template <class Traits>
using remote_pointer = typename Traits::proxy::template stateful_pointer<
  remote_state<Traits>>;

template <class Traits>
caf::error not_connected(remote_pointer<Traits> self) {
  return make_error(errc::backend_unavailable,
                    "not connected to ha-node: " + self->state.component
                      + " is unavailable until the connection is back");
}

/// Fails every request taken and not answered yet.
template <class Traits>
void fail_pending(remote_pointer<Traits> self, const caf::error& err) {
  auto& st = self->state;
  st.waiting.clear();
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& [id, fail] : pending)
    fail(err);
}

template <class Self>
void schedule_retry(Self* self, uint64_t generation) {
  self->delayed_send(self, retry_delay, retry_atom::value, generation);
}

/// Starts using the node's service of this connection: the traits join
/// the members, then the requests that waited for it go out.
template <class Traits>
void use_service(remote_pointer<Traits> self,
                 typename Traits::service service) {
  auto& st = self->state;
  st.service = std::move(service);
  self->monitor(st.service);
  Traits::on_service(self);
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& send : waiting)
    send();
}

/// Asks the root of this connection for the service; on failure tells the
/// waiting requests and tries again while the connection stands.
template <class Traits>
void look_up(remote_pointer<Traits> self) {
  auto generation = self->state.generation;
  self
    ->request(self->state.root, request_timeout, caf::get_atom::value,
              Traits::which, self->state.component)
    .then(
      [self, generation](typename Traits::service service) {
        if (generation == self->state.generation)
          use_service<Traits>(self, std::move(service));
      },
      [self, generation](const caf::error& err) {
        auto& st = self->state;
        if (generation != st.generation)
          return;
        logger(Traits::log_name)
          ->warn("{}: cannot get the service from ha-node: {}", st.component,
                 describe(err));
        fail_pending<Traits>(self, err);
        // A name the node refuses stays refused: say so instead of waiting.
        if (is(err, errc::invalid_argument))
          for (auto& member : st.members)
            self->send(member, Traits::error_atom, st.component, err);
        else
          schedule_retry(self, generation);
      });
}

template <class Traits>
void on_connected(remote_pointer<Traits> self, const ha_services_actor& root) {
  auto& st = self->state;
  st.heard_from_link = true;
  st.root = root;
  st.service = nullptr;
  ++st.generation;
  look_up<Traits>(self);
}

/// A retry counts only from this actor itself and for the connection it
/// was made for, while the service is still missing or members still out.
template <class Traits>
void on_retry(remote_pointer<Traits> self, uint64_t generation) {
  auto& st = self->state;
  if (self->current_sender() != self->ctrl() || generation != st.generation
      || !st.root)
    return;
  ++st.generation;
  st.service = nullptr;
  look_up<Traits>(self);
}

template <class Traits>
void on_disconnected(remote_pointer<Traits> self, const caf::error& err) {
  auto& st = self->state;
  st.heard_from_link = true;
  ++st.generation;
  st.service = nullptr;
  st.root = nullptr;
  fail_pending<Traits>(
    self, make_error(errc::backend_unavailable,
                     "lost the connection to ha-node before " + st.component
                       + " answered (a change may or may not have taken "
                         "effect): "
                       + describe(err)));
  Traits::on_lost(self);
  for (auto& member : st.members)
    self->send(member, Traits::error_atom, st.component, err);
}


/// Sends a request on to the node's service: at once while the service is
/// known, once it is while it is being looked up (or the link has not said
/// yet); fails while disconnected. The caller's answer fails as soon as the
/// connection is lost, not at its timeout.
template <class Traits, class R, class... Ts>
caf::result<R> forward(remote_pointer<Traits> self, Ts... xs) {
  auto& st = self->state;
  if (!st.service && st.heard_from_link && !st.root)
    return not_connected<Traits>(self);
  auto rp = self->template make_response_promise<R>();
  auto id = ++st.last_request;
  st.pending.emplace(id, [rp](const caf::error& err) mutable {
    rp.deliver(err);
  });
  auto send = [self, id, rp, xs...]() mutable {
    self->request(self->state.service, request_timeout, xs...)
      .then(
        [self, id, rp](R answer) mutable {
          if (self->state.pending.erase(id) > 0)
            rp.deliver(std::move(answer));
        },
        [self, id, rp](const caf::error& err) mutable {
          if (self->state.pending.erase(id) > 0)
            rp.deliver(err);
        });
  };
  if (st.service)
    send();
  else
    st.waiting.push_back(std::move(send));
  return rp;
}


/// Fails what is still pending and quits: a caller must not wait for its
/// timeout on a proxy that is gone.
template <class Traits>
void stop(remote_pointer<Traits> self, const caf::error& reason) {
  fail_pending<Traits>(
    self, make_error(errc::closed, self->state.component + ": the remote "
                                     + Traits::log_name + " proxy stopped ("
                                     + self->system().render(reason) + ")"));
  self->quit(reason);
}

/// Follows the link; members that terminate are forgotten, and the proxy
/// ends with the link or on an exit message.
template <class Traits>
void init(remote_pointer<Traits> self, const services_link_actor& link,
          std::string component) {
  self->state.component = std::move(component);
  self->set_exit_handler(
    [self](const caf::exit_msg& msg) { stop<Traits>(self, msg.reason); });
  self->set_down_handler([self, link](const caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source == link.address()) {
      stop<Traits>(self, msg.reason);
    } else if (st.service && msg.source == st.service.address()) {
      // The node stops a service nobody joined after a while; a lost
      // connection is the link's to report.
      st.service = nullptr;
      if (st.root && msg.reason != caf::exit_reason::remote_link_unreachable)
        on_connected<Traits>(self, st.root);
    } else {
      erase_actor(st.members, msg.source);
      Traits::on_member_gone(self);
    }
  });
  follow_link(self, link);
}


} // namespace ha::remote_proxy
