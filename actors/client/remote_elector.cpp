#include "caf_ha/actors/client/remote_service.hpp"

#include <algorithm>
#include <map>

#include <caf/actor_system.hpp>

#include "caf_ha/actors/client/remote_proxy.hpp"

namespace ha {

namespace {

using namespace remote_proxy;

/// The remote elector joins each of its contenders to the node's elector,
/// so that the node grants and revokes each of them itself.
struct election_traits {
  using service = elector_actor;
  using member = contender_actor;
  using proxy = elector_actor::extend_with<link_subscriber_actor>::extend<
    caf::reacts_to<retry_atom, uint64_t>>;
  /// What each member declared when it joined, to join it again so.
  struct extra {
    std::map<caf::actor_addr, contender_options> options;
  };
  static constexpr auto which = elector_atom::value;
  static constexpr auto error_atom = election_error_atom::value;
  static constexpr const char* log_name = "election";

  /// Forgets a member the node refuses for good, and tells it so: asking
  /// again could not help.
  template <class Self>
  static void drop_member(Self self, const contender_actor& member,
                          const caf::error& err) {
    auto& st = self->state;
    logger(log_name)->warn("{}: ha-node refuses a contender: {}",
                           st.component, describe(err));
    erase_actor(st.members, member.address());
    st.extra.options.erase(member.address());
    self->send(member, election_error_atom::value, st.component, err);
  }

  /// Joins every contender to the node's elector of a new connection.
  template <class Self>
  static void on_service(Self self) {
    auto& st = self->state;
    auto generation = st.generation;
    for (auto& member : st.members)
      self
        ->request(st.service, request_timeout, join_atom::value, member,
                  st.extra.options[member.address()])
        .then([](caf::ok_atom) {},
              [self, generation, member](const caf::error& err) {
                // already_exists: the node still knew the member.
                if (is(err, errc::already_exists))
                  return;
                if (is(err, errc::invalid_argument)
                    || is(err, errc::permission_denied)) {
                  drop_member(self, member, err);
                  return;
                }
                logger(log_name)->warn("{}: rejoining failed, trying again: {}",
                                       self->state.component, describe(err));
                schedule_retry(self, generation);
              });
    if (!st.members.empty())
      logger(log_name)->info("{}: joined {} member(s) on ha-node",
                             st.component, st.members.size());
  }

  template <class Self>
  static void on_lost(Self) {
    // Nothing kept beyond the members.
  }

  /// The node's elector monitors the contender itself; only its options
  /// go here.
  template <class Self>
  static void on_member_gone(Self self) {
    auto& st = self->state;
    for (auto i = st.extra.options.begin(); i != st.extra.options.end();) {
      auto kept = std::any_of(st.members.begin(), st.members.end(),
                              [&](auto& m) { return m.address() == i->first; });
      i = kept ? std::next(i) : st.extra.options.erase(i);
    }
  }
};

/// `leadership` answers come straight from the node's elector (the leader
/// helper checks a grant's sender that way), so it is delegated.
using elector_pointer = remote_pointer<election_traits>;

template <class... Ts>
caf::result<bool> delegate_check(elector_pointer self, Ts... xs) {
  if (!self->state.service)
    return not_connected<election_traits>(self);
  return self->delegate(self->state.service, xs...);
}

caf::result<caf::ok_atom> on_join(elector_pointer self,
                                  contender_actor member,
                                  contender_options options) {
  auto& st = self->state;
  // Refused here as the node would: a member kept with them would be
  // joined again, and refused again, after every reconnection.
  if (!member)
    return make_error(errc::invalid_argument, "join without a contender");
  if (!options.address.empty())
    if (auto err = check_leader_address(options.address))
      return err;
  if (std::find(st.members.begin(), st.members.end(), member)
      == st.members.end()) {
    self->monitor(member);
    st.members.push_back(member);
    st.extra.options[member.address()] = options;
  }
  if (!st.service)
    return caf::ok_atom::value; // Joins once the service is known.
  return forward<election_traits, caf::ok_atom>(
    self, join_atom::value, std::move(member), std::move(options));
}

caf::result<caf::ok_atom> on_leave(elector_pointer self,
                                   const contender_actor& member) {
  erase_actor(self->state.members, member.address());
  self->state.extra.options.erase(member.address());
  if (!self->state.service)
    return caf::ok_atom::value;
  return forward<election_traits, caf::ok_atom>(self, leave_atom::value,
                                                member);
}

election_traits::proxy::behavior_type
remote_elector(elector_pointer self, services_link_actor link,
               std::string component) {
  init<election_traits>(self, link, std::move(component));
  return {
    [self](join_atom, contender_actor contender) {
      return on_join(self, std::move(contender), {});
    },
    [self](join_atom, contender_actor contender, contender_options options) {
      return on_join(self, std::move(contender), std::move(options));
    },
    [self](participants_atom what) {
      return forward<election_traits, std::vector<participant>>(self, what);
    },
    [self](leave_atom, const contender_actor& contender) {
      return on_leave(self, contender);
    },
    [self](confirm_atom what, const session_id& session,
           const std::string& address) {
      return forward<election_traits, bool>(self, what, session, address);
    },
    [self](leadership_atom what, const session_id& session) {
      return delegate_check(self, what, session);
    },
    [self](resign_atom what, const session_id& session) {
      return forward<election_traits, bool>(self, what, session);
    },
    [self](drained_atom what, const session_id& session) {
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

} // namespace

elector_actor spawn_remote_elector(caf::actor_system& sys,
                                   services_link_actor link,
                                   std::string component) {
  return caf::actor_cast<elector_actor>(
    sys.spawn(remote_elector, std::move(link), std::move(component)));
}

} // namespace ha
