#pragma once

// The protocol between a leader helper (actors/client/leader.hpp) and the
// application actor it contends for. Both live in one process: none of
// these handles or messages crosses the network, so nothing here is
// registered in messages/type_registry.cpp (fencing_token and caf::error
// are registered anyway, for the stores).

#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/metadata.hpp"

namespace ha {

// -- atoms --------------------------------------------------------------------

using leading_atom = caf::atom_constant<caf::atom("leading")>;
using not_leading_atom = caf::atom_constant<caf::atom("notleading")>;
using fenced_atom = caf::atom_constant<caf::atom("fenced")>;
using draining_atom = caf::atom_constant<caf::atom("draining")>;

// -- interfaces ---------------------------------------------------------------

/// What the application's actor receives from its leader helper. Between
/// two `leading` there is always a `not_leading`.
using leadership_listener_actor = caf::typed_actor<
  // leading(component, token): the grant is confirmed and published; start
  // the leader work and fence every write with `token`.
  caf::reacts_to<leading_atom, std::string, fencing_token>,
  // not_leading(component, why): stop the leader work now. `why` is
  // errc::not_leader (revoked, resigned, left, superseded), errc::fenced
  // (the application reported a fenced write), or the election's error
  // (e.g. backend_unavailable when ha-node is lost). Also sent once, as the
  // helper's last message, when it gives up (its join was refused, its
  // elector ended): it then quits with the same error.
  caf::reacts_to<not_leading_atom, std::string, caf::error>>;

/// What the application's actor must also handle when its helper declares
/// that it drains (leader_config::drains).
using draining_listener_actor = leadership_listener_actor::extend<
  // draining(component, token): leadership ends soon (a resign, transfer or
  // fail-back); finish the leader work, still fenced with `token`, then
  // send `drained` to the helper. not_leading follows, after `drained` or
  // once ha.election.drain-timeout is up.
  caf::reacts_to<draining_atom, std::string, fencing_token>>;

/// What the application may ask its leader helper; the helper answers only
/// the application actor it was spawned for (others get permission_denied).
using leader_actor = caf::typed_actor<
  // get: the token to fence writes with; empty while not leading (also
  // between a grant and its confirmation).
  caf::replies_to<caf::get_atom>::with<fencing_token>,
  // fenced(token): a write with `token` came back errc::fenced. If `token`
  // is the current one, leadership ends at once (not_leading with fenced),
  // the session goes back to the election and the helper queues again.
  // Reports of an older token are ignored.
  caf::reacts_to<fenced_atom, fencing_token>,
  // resign: hand leadership over; not_leading comes first, then the
  // session goes back to the election and the helper queues again as a
  // follower. False if it held no grant.
  caf::replies_to<resign_atom>::with<bool>,
  // leave: not_leading if leading, leave the election, answer, quit.
  caf::replies_to<leave_atom>::with<caf::ok_atom>,
  // drained: the leader work asked for by `draining` is finished.
  caf::reacts_to<drained_atom>>;

} // namespace ha
