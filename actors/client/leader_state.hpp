#pragma once

// The leader helper's state and the functions its two files share:
// leader.cpp (joining, confirming, handing back, the behaviour) and
// leader_lease.cpp (the leadership lease: renewals and self-fencing).
// Internal to the helper; the interface is leader.hpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "caf_ha/actors/client/leader.hpp"
#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/leader.hpp"

namespace ha::leader_detail {

using lease_atom = caf::atom_constant<caf::atom("lease")>;

/// The helper's full interface: what its application may ask, what an
/// elector tells a contender, its own join retries (attempt number) and
/// lease renewals (the grant's epoch).
using leader_impl = leader_actor::extend_with<draining_contender_actor>::extend<
  caf::reacts_to<join_atom, uint32_t>, caf::reacts_to<lease_atom, epoch_t>>;

/// The one grant the helper holds.
struct held_grant {
  session_id session;
  epoch_t epoch = 0;
  /// Confirmed, and told to the application as `leading`.
  bool confirmed = false;
};

struct leader_state {
  leader_config cfg;
  elector_actor elector;
  leadership_listener_actor app;
  caf::timespan lease_duration;
  /// The elector behind a proxy, once a grant from it proved genuine.
  caf::actor_addr delegate;
  std::optional<held_grant> grant;
  /// The elector asked the current grant to drain.
  bool draining = false;
  /// On the way out: grants no longer count.
  bool leaving = false;
  /// Grants the elector does not confirm (stale or forged) are logged as a
  /// warning once, then at debug level: by the time they are found out,
  /// their sender's node is no longer at hand for `warnings`.
  bool warned_forgery = false;
  std::shared_ptr<spdlog::logger> log = logger("election");
  peer_warnings warnings;

  static inline const char* name = "leader";
};

using leader_pointer = leader_impl::stateful_pointer<leader_state>;

inline int64_t millis(caf::timespan x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x).count();
}

// -- leader.cpp ---------------------------------------------------------------

caf::error ended(leader_pointer self, const std::string& why);

bool awaits_confirmation(const leader_state& st, const session_id& session);

/// Drops the grant; tells the application only if it was leading.
void end_grant(leader_pointer self, const caf::error& why);

/// Gives `session` back: the election grants the next contender and queues
/// the helper again. `rp`, if pending, learns whether `session` still led.
void hand_back(leader_pointer self, const session_id& session,
               caf::typed_response_promise<bool> rp = {});

void start_leading(leader_pointer self);

// -- leader_lease.cpp ---------------------------------------------------------

/// `leader_config::lease_duration`, or the process's connection timeout.
caf::timespan lease_duration(leader_pointer self);

/// Asks the elector again after a quarter of the lease.
void schedule_renewal(leader_pointer self);

/// Extends the lease of the current grant to `asked + lease_duration`;
/// false if that is over.
bool renew_lease(leader_pointer self, caf::actor_clock::time_point asked);

/// A confirmation that came too late for the lease: asks once more.
void confirm_late(leader_pointer self, const session_id& session);

/// Gives leadership up once its lease ran out; true if it did.
bool fence_if_expired(leader_pointer self);

/// Asks the elector whether the grant of `epoch` still leads, renewing
/// the lease on yes.
void renew(leader_pointer self, epoch_t epoch);

} // namespace ha::leader_detail
