#pragma once

// The elector's state and the functions its two files share: elector.cpp
// (joins, grants, confirmations, participants, the behaviour) and
// elector_handover.cpp (stepping down, draining, transfers). Internal to the
// elector; the interface is elector.hpp.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/journal/journal_hook.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/config/logging.hpp"

namespace ha::elector_detail {

/// The grant a candidate currently holds.
struct grant_state {
  uint64_t candidate;
  session_id session;
  epoch_t epoch;
  /// The holder confirmed it: it leads.
  bool confirmed = false;
  /// It was asked to drain before it steps down.
  bool draining = false;
};

/// A contender that joined, by candidate number.
struct candidate_entry {
  contender_actor handle;
  contender_options options;
  /// Milliseconds since the Unix epoch (participant::last_seen_ms).
  int64_t last_seen_ms = 0;
};

struct elector_state {
  elector_config cfg;
  uint64_t next_candidate = 1;
  std::map<uint64_t, candidate_entry> candidates;
  std::optional<grant_state> current;
  journal_hook journal;
  std::shared_ptr<spdlog::logger> log = logger("election");
  /// Where the driver reports: never handed to anyone.
  caf::actor inbox;
  idle_timer idle;
  peer_warnings warnings;
  /// `participants` requests waiting for the one listing of a driver that
  /// spans processes, which answers them all.
  std::vector<caf::typed_response_promise<std::vector<participant>>> listing;
  /// Numbers the listings; the driver's answer names it.
  uint64_t last_listing = 0;
  /// `transfer` requests waiting for the driver's answer, by number.
  std::map<uint64_t, caf::typed_response_promise<caf::ok_atom>> transfers;
  uint64_t last_transfer = 0;

  static inline const char* name = "elector";
};

using elector_pointer = elector_impl::stateful_pointer<elector_state>;

std::string contender_name(elector_pointer self, uint64_t candidate);

/// Ends the current grant if `candidate` holds it, telling the contender.
void revoke_if_leader(elector_pointer self, uint64_t candidate,
                      ops::revoke_cause cause);

// -- elector_handover.cpp -----------------------------------------------------

/// The leader is revoked and queues again as a new candidate.
void requeue(elector_pointer self, uint64_t candidate);

/// The leader steps down: at once, or after it drained.
void step_down(elector_pointer self, uint64_t candidate);

/// True if `session` is the current grant and asked to drain.
bool draining(const elector_state& st, const session_id& session);

void on_drained(elector_pointer self, const session_id& session);

void on_drain_timeout(elector_pointer self, const session_id& session);

/// The leader steps down and queues again; true if `session` was current.
bool on_resign(elector_pointer self, const session_id& session);

caf::result<caf::ok_atom> on_transfer(elector_pointer self,
                                      const std::string& to);

void on_transferred(elector_pointer self, uint64_t request,
                    const caf::error& err);

/// Fails every waiting transfer: the election ends.
void fail_transfers(elector_pointer self);

} // namespace ha::elector_detail
