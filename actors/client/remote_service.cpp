#include "caf_ha/actors/client/remote_service.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/client/link_follower.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

constexpr auto request_timeout = std::chrono::seconds(10);

/// A lookup or rejoin that failed while the link stays connected is tried
/// again after this long, so that no member is left outside the election.
constexpr auto retry_delay = std::chrono::seconds(1);

using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// What differs between the election and the retrieval proxy.
struct election_traits {
  using service = elector_actor;
  using member = contender_actor;
  using proxy = elector_actor::extend_with<link_subscriber_actor>::extend<
    caf::reacts_to<retry_atom, uint64_t>>;
  static constexpr auto which = elector_atom::value;
  static constexpr auto error_atom = election_error_atom::value;
  static constexpr const char* log_name = "election";
};

struct retrieval_traits {
  using service = retriever_actor;
  using member = listener_actor;
  using proxy = retriever_actor::extend_with<link_subscriber_actor>::extend<
    caf::reacts_to<retry_atom, uint64_t>>;
  static constexpr auto which = retriever_atom::value;
  static constexpr auto error_atom = retrieval_error_atom::value;
  static constexpr const char* log_name = "retrieval";
};

template <class Traits>
struct remote_state {
  std::string component;
  /// The node's service for this connection; null while disconnected.
  typename Traits::service service;
  /// The node's root for this connection, to ask again for a service the
  /// node stopped while it was idle.
  ha_services_actor root;
  std::vector<typename Traits::member> members;
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

/// Joins every member to the node's service of a new connection.
template <class Traits>
void rejoin_all(remote_pointer<Traits> self,
                typename Traits::service service) {
  auto& st = self->state;
  st.service = std::move(service);
  self->monitor(st.service);
  auto generation = st.generation;
  for (auto& member : st.members)
    self->request(st.service, request_timeout, join_atom::value, member)
      .then([](caf::ok_atom) {},
            [self, generation](const caf::error& err) {
              // already_exists: the node still knew the member.
              if (is(err, errc::already_exists))
                return;
              logger(Traits::log_name)
                ->warn("{}: rejoining failed, trying again: {}",
                       self->state.component, describe(err));
              schedule_retry(self, generation);
            });
  if (!st.members.empty())
    logger(Traits::log_name)
      ->info("{}: joined {} member(s) on ha-node", st.component,
             st.members.size());
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
          rejoin_all<Traits>(self, std::move(service));
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

/// `leadership` answers come straight from the node's elector (the leader
/// helper checks a grant's sender that way), so it is delegated.
template <class Traits, class... Ts>
caf::result<bool> delegate_check(remote_pointer<Traits> self, Ts... xs) {
  if (!self->state.service)
    return not_connected<Traits>(self);
  return self->delegate(self->state.service, xs...);
}

template <class Traits>
caf::result<caf::ok_atom> on_join(remote_pointer<Traits> self,
                                  typename Traits::member member) {
  auto& st = self->state;
  if (std::find(st.members.begin(), st.members.end(), member)
      == st.members.end()) {
    self->monitor(member);
    st.members.push_back(member);
  }
  if (!st.service)
    return caf::ok_atom::value; // Joins once the service is known.
  return forward<Traits, caf::ok_atom>(self, join_atom::value,
                                       std::move(member));
}

template <class Traits>
caf::result<caf::ok_atom> on_leave(remote_pointer<Traits> self,
                                   const typename Traits::member& member) {
  erase_actor(self->state.members, member.address());
  if (!self->state.service)
    return caf::ok_atom::value;
  return forward<Traits, caf::ok_atom>(self, leave_atom::value, member);
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
    }
  });
  follow_link(self, link);
}

using elector_pointer = remote_pointer<election_traits>;

election_traits::proxy::behavior_type
remote_elector(elector_pointer self, services_link_actor link,
               std::string component) {
  init<election_traits>(self, link, std::move(component));
  return {
    [self](join_atom, contender_actor contender) {
      return on_join<election_traits>(self, std::move(contender));
    },
    [self](leave_atom, const contender_actor& contender) {
      return on_leave<election_traits>(self, contender);
    },
    [self](confirm_atom what, const session_id& session,
           const std::string& address) {
      return forward<election_traits, bool>(self, what, session, address);
    },
    [self](leadership_atom what, const session_id& session) {
      return delegate_check<election_traits>(self, what, session);
    },
    [self](resign_atom what, const session_id& session) {
      return forward<election_traits, bool>(self, what, session);
    },
    [self, link](connected_atom, const ha_services_actor& root) {
      if (from_link(self, link, "connected"))
        on_connected<election_traits>(self, root);
    },
    [self, link](disconnected_atom, const caf::error& err) {
      if (from_link(self, link, "disconnected"))
        on_disconnected<election_traits>(self, err);
    },
    [self](retry_atom, uint64_t generation) {
      on_retry<election_traits>(self, generation);
    },
  };
}

using retriever_pointer = remote_pointer<retrieval_traits>;

retrieval_traits::proxy::behavior_type
remote_retriever(retriever_pointer self, services_link_actor link,
                 std::string component) {
  init<retrieval_traits>(self, link, std::move(component));
  return {
    [self](join_atom, listener_actor listener) {
      return on_join<retrieval_traits>(self, std::move(listener));
    },
    [self](leave_atom, const listener_actor& listener) {
      return on_leave<retrieval_traits>(self, listener);
    },
    [self](caf::get_atom what) {
      return forward<retrieval_traits, leader_info>(self, what);
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

elector_actor spawn_remote_elector(caf::actor_system& sys,
                                   services_link_actor link,
                                   std::string component) {
  return caf::actor_cast<elector_actor>(
    sys.spawn(remote_elector, std::move(link), std::move(component)));
}

retriever_actor spawn_remote_retriever(caf::actor_system& sys,
                                       services_link_actor link,
                                       std::string component) {
  return caf::actor_cast<retriever_actor>(
    sys.spawn(remote_retriever, std::move(link), std::move(component)));
}

} // namespace ha
