#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/actors/client/leadership_lease.hpp"
#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/leader.hpp"

namespace ha {

/// What a leader helper contends with.
struct leader_config {
  /// The component to lead, as the elector names it (component::canonical).
  std::string component;
  /// What the helper publishes when it confirms a grant.
  std::string address;
  /// How long each request to the elector may take.
  caf::timespan request_timeout = std::chrono::seconds(10);
  /// Joins that fail with backend_unavailable or a timeout are retried up
  /// to this many times in all, waiting `join_backoff` before the second
  /// and twice as long before each further one.
  uint32_t join_attempts = 5;
  caf::timespan join_backoff = std::chrono::milliseconds(100);
  /// How long a confirmed leadership may be used after the elector last
  /// said it still leads (counted from the question). Zero: the actor
  /// system's `middleman.connection-timeout`, which `configure_actor_system`
  /// sets to what a node's silence takes to cut this process off
  /// (ha.heartbeat.timeout minus two intervals): shorter than the time ha-node
  /// needs to revoke a silent leader, so the lease runs out first when both
  /// use the same ha.heartbeat.* settings (README, "Self-fencing after a
  /// pause", says what else bounds it).
  /// Without one, 3 s (what the default ha.heartbeat.* settings give).
  caf::timespan lease_duration{0};
  /// Where the application reads whether it may act as leader right now
  /// (leadership_lease.hpp); the helper makes its own if not set. One lease
  /// per helper.
  std::shared_ptr<leadership_lease> lease = nullptr;
  /// Declared when joining (contender_options): the highest priority wins
  /// a free election.
  int32_t priority = 0;
  /// The application finishes its leader work before leadership ends: it
  /// receives `draining` and answers `drained` (draining_listener_actor).
  bool drains = false;
};

/// Contends for `cfg.component` on behalf of `app` and does the
/// grant -> confirm -> revoke bookkeeping once: it joins `elector`,
/// confirms each grant with `cfg.address`, and tells `app` `leading` once a
/// grant is confirmed and `not_leading` when it ends (messages/leader.hpp).
/// A stale grant (confirm answers false) produces nothing.
///
/// - Grants, revokes and election errors count only from `elector` or, for
///   a proxy such as `spawn_remote_elector`, from the elector it speaks
///   for: a grant from any other sender is checked by asking `elector`
///   whether the session leads, and counts only if that answer comes from
///   the grant's sender. Everything else is dropped and logged.
/// - Requests count only from `app`.
/// - Over a remote elector a lost connection ends leadership
///   (election_error); the proxy joins the helper again once the link is
///   back, and the new grant starts leadership with its new epoch.
/// - A join that fails with backend_unavailable or a timeout is retried
///   with bounded backoff (`leader_config`); any other error, or the last
///   attempt failing, is told to `app` as `not_leading(component, error)`
///   and the helper quits with that error. `already_exists` counts as
///   joined. The same happens when `elector` terminates, and on an
///   election_error with invalid_argument (a remote elector's node refuses
///   the component name).
/// - A session the helper cannot confirm or give back (the request fails)
///   is given back by leaving and joining again, so that the election
///   never keeps a leader that does no work.
/// - Self-fencing: while it leads, the helper asks its elector whether the
///   session still leads every quarter of `lease_duration` and renews
///   `lease` with each yes. Before it handles any message it checks the
///   lease: once it ran out (the process was paused, or the elector did not
///   answer in time) the helper logs that it fenced itself, tells `app`
///   `not_leading(component, fenced)` before anything else, and gives the
///   session back. The application checks `lease->held(epoch)` before each
///   leader-only action, which covers the moment between waking up and the
///   helper's first message. A `no` ends leadership as a revoke does.
/// - With `drains`, a resign, transfer or fail-back first tells `app`
///   `draining(component, token)`; the helper passes the application's
///   `drained` on to the elector, and `not_leading` follows the revoke.
/// - It monitors `app`: when `app` terminates, the helper leaves the
///   election (leadership hands over at once) and quits. `app` may monitor
///   the helper in turn.
leader_actor spawn_leader(caf::actor_system& sys, elector_actor elector,
                          leader_config cfg, leadership_listener_actor app);

} // namespace ha
