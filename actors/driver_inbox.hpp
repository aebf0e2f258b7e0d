#pragma once

#include <chrono>
#include <cstdint>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/actors/peer_checks.hpp"

namespace ha {

/// A private address through which a backend driver (and the owner's own
/// timers) report to an actor that peers also hold a handle of.
///
/// CAF lets any holder of a handle send any message to it, and a peer can
/// even name a local actor as the sender, if that actor is in CAF's registry
/// (every actor that ever exchanged a message with a remote node is). The
/// inbox is never handed to a peer and never sends to one, so it is not in
/// the registry: only this process can reach it, and a message whose sender
/// is the inbox came through it. The inbox forwards everything it receives
/// to its owner, with itself as the sender; the owner acts on a driver
/// report only if `from_inbox` says so.
///
/// The inbox is linked to its owner and quits with it.
caf::actor spawn_driver_inbox(caf::local_actor* owner);

/// True if the message `self` is handling was forwarded by `inbox`.
bool from_inbox(caf::local_actor* self, const caf::actor& inbox);

/// As `from_inbox`; a message named `kind` that did not come through the
/// inbox is to be dropped, and `warnings` logs it once per peer.
bool from_inbox(caf::local_actor* self, const caf::actor& inbox,
                peer_warnings& warnings, const char* kind);

using idle_atom = caf::atom_constant<caf::atom("idle")>;

/// Ends an actor that nobody has used for a while (an elector nobody
/// contends in, a retriever nobody listens to): each handle the services
/// root hands out costs memory until then, and a peer may ask for any
/// number of job ids.
struct idle_timer {
  /// Zero: never.
  caf::timespan timeout{0};
  /// Counts the idle periods, so that a report of an older one is ignored.
  uint64_t period = 0;
  /// When the current period started.
  std::chrono::steady_clock::time_point started;

  /// Starts a new idle period: after `timeout`, the owner receives
  /// `idle(period)` through its inbox.
  void start(const caf::actor& inbox);

  /// Starts a new idle period unless the current one began less than half a
  /// timeout ago: the owner then runs for at least half a timeout more, and
  /// however often it is refreshed there is at most one timer per half
  /// timeout.
  void refresh(const caf::actor& inbox);

  /// True if idle period `p` is the current one.
  bool current(uint64_t p) const {
    return p == period;
  }
};

} // namespace ha
