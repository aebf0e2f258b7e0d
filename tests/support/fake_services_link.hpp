#pragma once

// A services link the test moves up and down by messages, for the client
// proxies (remote electors, retrievers, stores, the leader helper behind
// them): they accept `connected` and `disconnected` only from their link.

#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/services_link.hpp"

namespace ha::test {

using go_up_atom = caf::atom_constant<caf::atom("go_up")>;
using go_down_atom = caf::atom_constant<caf::atom("go_down")>;

/// What subscribers of the fake link hear when it goes down.
inline const std::string fake_link_lost_reason
  = "lost the connection to ha-node at fake:1";

struct fake_link_state {
  ha_services_actor root;
  std::vector<link_subscriber_actor> subscribers;
};

/// (go_up, root) connects and (go_down) disconnects: every subscriber is
/// told before the link answers `ok`. `get` answers the root while up.
inline caf::behavior fake_link(caf::stateful_actor<fake_link_state>* self) {
  return {
    [=](caf::get_atom) -> caf::result<ha_services_actor> {
      if (self->state.root)
        return self->state.root;
      return make_error(errc::backend_unavailable,
                        "not connected to ha-node at fake:1 (reconnecting)");
    },
    [=](join_atom, const link_subscriber_actor& subscriber) {
      self->state.subscribers.push_back(subscriber);
      if (self->state.root)
        self->send(subscriber, connected_atom::value, self->state.root);
    },
    [=](go_up_atom, const ha_services_actor& root) {
      self->state.root = root;
      for (auto& subscriber : self->state.subscribers)
        self->send(subscriber, connected_atom::value, root);
      return caf::ok_atom::value;
    },
    [=](go_down_atom) {
      self->state.root = nullptr;
      for (auto& subscriber : self->state.subscribers)
        self->send(subscriber, disconnected_atom::value,
                   make_error(errc::backend_unavailable,
                              fake_link_lost_reason + ": killed"));
      return caf::ok_atom::value;
    },
  };
}

} // namespace ha::test
