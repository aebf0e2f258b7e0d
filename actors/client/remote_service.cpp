#include "caf_ha/actors/client/remote_service.hpp"

#include <vector>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/client/link_follower.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

constexpr auto request_timeout = std::chrono::seconds(10);

/// What differs between the election and the retrieval proxy.
struct election_traits {
  using service = elector_actor;
  using member = contender_actor;
  using proxy = elector_actor::extend_with<link_subscriber_actor>;
  static constexpr auto which = elector_atom::value;
  static constexpr auto error_atom = election_error_atom::value;
  static constexpr const char* log_name = "election";
};

struct retrieval_traits {
  using service = retriever_actor;
  using member = listener_actor;
  using proxy = retriever_actor::extend_with<link_subscriber_actor>;
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

/// Joins every member to the node's service of a new connection.
template <class Traits>
void rejoin_all(remote_pointer<Traits> self,
                typename Traits::service service) {
  auto& st = self->state;
  st.service = std::move(service);
  self->monitor(st.service);
  for (auto& member : st.members)
    self->request(st.service, request_timeout, join_atom::value, member)
      .then([](caf::ok_atom) {},
            [self](const caf::error& err) {
              // already_exists: the node still knew the member.
              logger(Traits::log_name)
                ->debug("{}: rejoining failed: {}", self->state.component,
                        describe(err));
            });
  if (!st.members.empty())
    logger(Traits::log_name)
      ->info("{}: joined {} member(s) on ha-node", st.component,
             st.members.size());
}

template <class Traits>
void on_connected(remote_pointer<Traits> self, const ha_services_actor& root) {
  self->state.root = root;
  auto generation = ++self->state.generation;
  self
    ->request(root, request_timeout, caf::get_atom::value, Traits::which,
              self->state.component)
    .then(
      [self, generation](typename Traits::service service) {
        if (generation == self->state.generation)
          rejoin_all<Traits>(self, std::move(service));
      },
      [self](const caf::error& err) {
        auto& st = self->state;
        logger(Traits::log_name)
          ->warn("{}: cannot get the service from ha-node: {}", st.component,
                 describe(err));
        // A name the node refuses stays refused: say so instead of waiting.
        if (is(err, errc::invalid_argument))
          for (auto& member : st.members)
            self->send(member, Traits::error_atom, st.component, err);
      });
}

template <class Traits>
void on_disconnected(remote_pointer<Traits> self, const caf::error& err) {
  auto& st = self->state;
  ++st.generation;
  st.service = nullptr;
  st.root = nullptr;
  for (auto& member : st.members)
    self->send(member, Traits::error_atom, st.component, err);
}

template <class Traits>
caf::result<caf::ok_atom> on_join(remote_pointer<Traits> self,
                                  typename Traits::member member) {
  auto& st = self->state;
  self->monitor(member);
  st.members.push_back(member);
  if (!st.service)
    return caf::ok_atom::value; // Joins once the link is back.
  return self->delegate(st.service, join_atom::value, std::move(member));
}

template <class Traits>
caf::result<caf::ok_atom> on_leave(remote_pointer<Traits> self,
                                   const typename Traits::member& member) {
  erase_actor(self->state.members, member.address());
  if (!self->state.service)
    return caf::ok_atom::value;
  return self->delegate(self->state.service, leave_atom::value, member);
}

/// Sends a request on to the node's service, or fails while disconnected.
template <class Traits, class R, class... Ts>
caf::result<R> forward(remote_pointer<Traits> self, const Ts&... xs) {
  if (!self->state.service)
    return not_connected<Traits>(self);
  return self->delegate(self->state.service, xs...);
}

/// Follows the link; members that terminate are forgotten, and the proxy
/// ends with the link.
template <class Traits>
void init(remote_pointer<Traits> self, const services_link_actor& link,
          std::string component) {
  self->state.component = std::move(component);
  self->set_down_handler([self, link](const caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source == link.address()) {
      self->quit(msg.reason);
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
      return forward<election_traits, bool>(self, what, session);
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
