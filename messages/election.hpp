#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/ids.hpp"

namespace ha {

// -- atoms --------------------------------------------------------------------

using grant_atom = caf::atom_constant<caf::atom("grant")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using confirm_atom = caf::atom_constant<caf::atom("confirm")>;
using leadership_atom = caf::atom_constant<caf::atom("leadership")>;
using resign_atom = caf::atom_constant<caf::atom("resign")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using election_error_atom = caf::atom_constant<caf::atom("elect_err")>;
using granted_atom = caf::atom_constant<caf::atom("granted")>;
using revoked_atom = caf::atom_constant<caf::atom("revoked")>;
using driver_error_atom = caf::atom_constant<caf::atom("drv_err")>;

// -- interfaces ---------------------------------------------------------------

/// What a contender receives. Every message names its component, so one
/// actor can contend for several components. A contender holds at most one
/// grant per component; `revoke` names the session it ends.
using contender_actor = caf::typed_actor<
  // grant(component, session_id, epoch): leadership offered; confirm it.
  caf::reacts_to<grant_atom, std::string, session_id, epoch_t>,
  // revoke(component, session_id): stop acting as leader of that session.
  caf::reacts_to<revoke_atom, std::string, session_id>,
  // election_error(component, error): the election cannot currently prove
  // leadership; stop acting as leader until granted again.
  caf::reacts_to<election_error_atom, std::string, caf::error>>;

/// One component's election. Mirrors the seed's LeaderElectionService.
using elector_actor = caf::typed_actor<
  // join(contender): start(contender). Fails with already_exists on repeat.
  caf::replies_to<join_atom, contender_actor>::with<caf::ok_atom>,
  // leave(contender): stop(); a leader leaving resigns.
  caf::replies_to<leave_atom, contender_actor>::with<caf::ok_atom>,
  // confirm(session_id, address): true if published, false if stale.
  caf::replies_to<confirm_atom, session_id, std::string>::with<bool>,
  // leadership(session_id): hasLeadership(session_id).
  caf::replies_to<leadership_atom, session_id>::with<bool>,
  // resign(session_id): the leader steps down and queues again as a
  // follower; true if that session was the current one.
  caf::replies_to<resign_atom, session_id>::with<bool>>;

/// What an election driver tells its elector. Candidates are numbered by
/// the elector; the driver never sees contender handles.
using election_events_actor = caf::typed_actor<
  // granted(candidate, epoch): the backend made this candidate the leader.
  caf::reacts_to<granted_atom, uint64_t, epoch_t>,
  // revoked(candidate): the backend took leadership away.
  caf::reacts_to<revoked_atom, uint64_t>,
  // driver_error(error): the backend lost the ability to decide.
  caf::reacts_to<driver_error_atom, caf::error>>;

} // namespace ha
