#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
using participants_atom = caf::atom_constant<caf::atom("particip")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using drained_atom = caf::atom_constant<caf::atom("drained")>;

// -- data ---------------------------------------------------------------------

/// What a contender declares when it joins.
struct contender_options {
  /// Where others reach it, as it will publish when it leads; shown by
  /// `participants`. Empty: not declared.
  std::string address;
  /// On a free election the highest priority wins; ties go to the one that
  /// joined first. With fail-back for the component (ha.election.fail-back)
  /// a higher priority takes over from the leader through a transfer.
  int32_t priority = 0;
  /// It needs to finish its leader work before it is revoked: a resign or
  /// transfer sends it `drain` and waits for its `drained` (bounded by
  /// ha.election.drain-timeout) before the next grant. Such a contender
  /// must also handle draining_contender_actor's `drain`.
  bool drains = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contender_options& x) {
  return f(caf::meta::type_name("contender_options"), x.address, x.priority,
           x.drains);
}

/// One contender of an elector, as `participants` lists it.
struct participant {
  /// What it declared when it joined (contender_options::address).
  std::string address;
  /// "leader" (its grant is confirmed), "granted" (not confirmed yet),
  /// "draining" (asked to drain before it is revoked) or "candidate".
  std::string state;
  /// The epoch of its grant; 0 for a candidate.
  epoch_t epoch = 0;
  /// When the elector last heard from its process (its join, or a
  /// confirm, leadership or resign request about its own grant): wall
  /// clock, milliseconds since the Unix epoch.
  int64_t last_seen_ms = 0;
  /// What it declared when it joined (contender_options::priority).
  int32_t priority = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, participant& x) {
  return f(caf::meta::type_name("participant"), x.address, x.state, x.epoch,
           x.last_seen_ms, x.priority);
}

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

/// What a contender that joins with `drains` must also handle.
using draining_contender_actor = contender_actor::extend<
  // drain(component, session_id): that session ends soon (a resign or a
  // transfer); finish the leader work, then send drained(session_id) to
  // the elector. The grant holds until then, or until the elector's drain
  // timeout, and `revoke` follows either way.
  caf::reacts_to<drain_atom, std::string, session_id>>;

/// One component's election. Mirrors the seed's LeaderElectionService.
using elector_actor = caf::typed_actor<
  // join(contender): start(contender). Fails with already_exists on repeat.
  caf::replies_to<join_atom, contender_actor>::with<caf::ok_atom>,
  // join(contender, options): the same, declaring `options`; an address
  // a leader could not publish fails with invalid_argument.
  caf::replies_to<join_atom, contender_actor, contender_options>::with<
    caf::ok_atom>,
  // leave(contender): stop(); a leader leaving resigns.
  caf::replies_to<leave_atom, contender_actor>::with<caf::ok_atom>,
  // confirm(session_id, address): true if published, false if stale.
  caf::replies_to<confirm_atom, session_id, std::string>::with<bool>,
  // leadership(session_id): hasLeadership(session_id).
  caf::replies_to<leadership_atom, session_id>::with<bool>,
  // resign(session_id): the leader steps down and queues again as a
  // follower; true if that session was the current one.
  caf::replies_to<resign_atom, session_id>::with<bool>,
  // drained(session_id): the holder of that session finished draining; it
  // is revoked and the next contender granted. False if that session is
  // not draining.
  caf::replies_to<drained_atom, session_id>::with<bool>,
  // participants: every contender that joined this elector, in the order
  // they joined.
  caf::replies_to<participants_atom>::with<std::vector<participant>>>;

/// What an election driver tells its elector. Candidates are numbered by
/// the elector; the driver never sees contender handles.
using election_events_actor = caf::typed_actor<
  // granted(candidate, epoch): the backend made this candidate the leader.
  caf::reacts_to<granted_atom, uint64_t, epoch_t>,
  // revoked(candidate): the backend took leadership away.
  caf::reacts_to<revoked_atom, uint64_t>,
  // driver_error(error): the backend lost the ability to decide.
  caf::reacts_to<driver_error_atom, caf::error>,
  // participants(request, list, candidates): every candidate across
  // processes, with the elector's own candidate numbers (0: another's).
  caf::reacts_to<participants_atom, uint64_t, std::vector<participant>,
                 std::vector<uint64_t>>,
  // participants(request, error): the backend could not list them.
  caf::reacts_to<participants_atom, uint64_t, caf::error>,
  // transfer(request, error): the answer to the driver's `transfer`;
  // none once the handover is under way.
  caf::reacts_to<transfer_atom, uint64_t, caf::error>,
  // resign(candidate): the backend picked the candidate to lead next;
  // this one (the leader) steps down as on its own resign, draining first.
  caf::reacts_to<resign_atom, uint64_t>>;

} // namespace ha
