#pragma once

// What the client proxies that follow a services link share: the remote
// elector and retriever (remote_service.cpp) and the remote stores
// (remote_store.cpp).

#include <algorithm>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/actors/same_actor.hpp"
#include "caf_ha/messages/services_link.hpp"

namespace ha {

/// Monitors `link` and joins it as a subscriber: `self` hears of every
/// connection change, and its down handler learns when the link ends.
template <class Self>
void follow_link(Self* self, const services_link_actor& link) {
  self->monitor(link);
  self->send(link, join_atom::value,
             caf::actor_cast<link_subscriber_actor>(self));
}

/// True if the current message comes from `link`. `connected` and
/// `disconnected` are part of a proxy's interface, so whoever holds the
/// proxy could send them; they count only from the link. Anything else is
/// logged and to be dropped.
bool from_link(caf::local_actor* self, const services_link_actor& link,
               const char* what);

/// Removes every handle of `xs` that names the actor `addr`.
template <class Handle>
void erase_actor(std::vector<Handle>& xs, const caf::actor_addr& addr) {
  xs.erase(std::remove_if(xs.begin(), xs.end(),
                          [&](const Handle& x) { return same_actor(x, addr); }),
           xs.end());
}

} // namespace ha
