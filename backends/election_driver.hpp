#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/leader_info.hpp"

namespace ha {

/// Decides which candidate of an elector leads a component, and stores what
/// the confirmed leader published. One elector per component and process
/// talks to a driver; candidates are numbered by that elector.
///
/// Contract:
/// - Every call returns at once; a driver that needs I/O does it on its own
///   threads and reports through messages. Calls may come from any thread.
/// - After `join`, the driver sends `granted(candidate, epoch)` to `events`
///   when the candidate becomes leader and `revoked(candidate)` when it stops
///   being leader for any reason other than `leave`. At most one candidate of
///   a component holds a grant at a time. Epochs of a component strictly grow
///   over every grant the backend ever made, across restarts for durable
///   backends.
/// - After `leave`, the driver sends nothing more about that candidate. If it
///   led, its published leader information is cleared and the next candidate
///   is granted.
/// - `publish` stores `info` as the component's leader only while
///   `candidate` still holds the grant; otherwise it is dropped. Publishing
///   is what retrieval drivers report to listeners.
/// - When the backend can no longer decide (connection or session lost) the
///   driver sends `driver_error` to every elector; their grants are void.
/// - A driver whose candidates span processes (`spans_processes`) answers
///   `participants(component, request, events)` with one
///   `participants(request, list, candidates)` to `events`: every
///   candidate of the component in the order the backend elects them, and
///   for each the elector's candidate number if it is one of its own, else
///   0; or `participants(request, error)`. The elector of a driver that does
///   not span processes knows every candidate itself.
/// - Candidates wait in order of their declared priority (highest first,
///   ties by arrival); a waiting candidate never displaces a leader, except
///   through a handover: `transfer` (an operator's) or fail-back (a
///   component configured so, when a candidate of higher priority than the
///   leader joins; one that queues again through `requeue` does not count
///   until it joins afresh). A handover picks the next leader, sends
///   `resign(leader)` to the leader's elector, which steps it down (after
///   it drained) and lets it `leave`, and then grants the picked one before
///   any other. `transfer(component, to, request, events)` answers
///   `transfer(request, error)` to `events`: none once the handover is under
///   way; not_found if no candidate declared address `to`;
///   invalid_argument if that one leads already; already_exists while
///   another handover of the component is under way; backend_unavailable
///   if there is no leader to hand over from.
class election_driver {
public:
  virtual ~election_driver() = default;

  /// `options` as the contender declared them; a driver that spans
  /// processes keeps them where the others' `participants` read them.
  virtual void join(const std::string& component, uint64_t candidate,
                    const contender_options& options,
                    election_events_actor events)
    = 0;

  virtual void leave(const std::string& component, uint64_t candidate) = 0;

  /// The leader `old_candidate` stepped down (resign, transfer, fail-back)
  /// and queues again as `candidate`: `leave` then `join`, except that it
  /// does not fail back.
  virtual void requeue(const std::string& component, uint64_t old_candidate,
                       uint64_t candidate, const contender_options& options,
                       election_events_actor events)
    = 0;

  virtual void publish(const std::string& component, uint64_t candidate,
                       const leader_info& info)
    = 0;

  virtual void transfer(const std::string& component, const std::string& to,
                        uint64_t request, election_events_actor events)
    = 0;

  virtual bool spans_processes() const {
    return false;
  }

  /// participants(component, request, events): see above; only drivers
  /// that span processes are asked.
  virtual void participants(const std::string&, uint64_t,
                            election_events_actor) {
    // nop
  }
};

/// True if `components` (ha.election.fail-back: canonical names, or "*")
/// lists the canonical `component`.
inline bool fails_back(const std::vector<std::string>& components,
                       const std::string& component) {
  return std::any_of(components.begin(), components.end(),
                     [&](const std::string& x) {
                       return x == "*" || x == component;
                     });
}

} // namespace ha
