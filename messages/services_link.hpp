#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/ha_services.hpp"

namespace ha {

// -- atoms --------------------------------------------------------------------

using connected_atom = caf::atom_constant<caf::atom("connected")>;
using disconnected_atom = caf::atom_constant<caf::atom("disconn")>;

// -- interfaces ---------------------------------------------------------------

// These messages stay inside one process: a services link and its
// subscribers are local actors, so none of these types is registered for
// the network.

/// What a services link tells the actors that follow it.
using link_subscriber_actor = caf::typed_actor<
  // connected(root): the link reached ha-node (again); `root` is the root
  // of this connection, valid until the next `disconnected`.
  caf::reacts_to<connected_atom, ha_services_actor>,
  // disconnected(error): the connection to ha-node is gone; the link
  // reconnects unless the error says it gave up.
  caf::reacts_to<disconnected_atom, caf::error>>;

/// The client side of a connection to an ha-node that reconnects with
/// exponential backoff after the node dies or becomes unreachable.
using services_link_actor = caf::typed_actor<
  // get: the root of the current connection; backend_unavailable while
  // reconnecting.
  caf::replies_to<caf::get_atom>::with<ha_services_actor>,
  // join(subscriber): follow the connection; a subscriber that joins while
  // connected gets `connected` at once.
  caf::reacts_to<join_atom, link_subscriber_actor>>;

} // namespace ha
