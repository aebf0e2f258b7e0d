#pragma once

// What the replay (actors/journal/replay.cpp) puts in place of the recorded world:
// a backend that does nothing and stand-ins for the recorded peers. Not for
// use elsewhere.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/backends/grant_authority.hpp"
#include "caf_ha/backends/retrieval_driver.hpp"

namespace ha {

/// The replayed actors' backend. The journal holds what the backend told
/// them, and the actors journal their calls into it themselves, so the
/// calls need no effect.
class silent_driver : public election_driver, public retrieval_driver {
public:
  void join(const std::string&, uint64_t, const contender_options&,
            election_events_actor events) override {
    inbox = caf::actor_cast<caf::actor>(events);
  }
  void leave(const std::string&, uint64_t) override {
    // nop
  }
  void requeue(const std::string&, uint64_t, uint64_t,
               const contender_options&,
               election_events_actor events) override {
    inbox = caf::actor_cast<caf::actor>(events);
  }
  void transfer(const std::string&, const std::string&, uint64_t,
                election_events_actor events) override {
    inbox = caf::actor_cast<caf::actor>(events);
  }
  void publish(const std::string&, uint64_t, const leader_info&) override {
    // nop
  }
  void subscribe(const std::string&, listener_actor sink) override {
    inbox = caf::actor_cast<caf::actor>(sink);
  }
  void unsubscribe(const std::string&, const listener_actor&) override {
    // nop
  }

  /// Where the replayed actor takes its driver's reports (its private
  /// inbox), once it told the driver.
  caf::actor inbox;
};

/// The grants of the recorded elections, against which the replayed stores
/// check fences. They follow the recorded electors' own `grant`, `revoke`
/// and `election_error` records, so that a fenced write replays with the
/// verdict it had when recorded (stores on a memory backend would otherwise
/// know no election at all).
class recorded_grants : public grant_authority {
public:
  /// Takes note of `x` if it is a grant or the end of one.
  void follow(const journal_record& x);

  caf::error run_fenced(const fencing_token& fence,
                        const std::function<caf::error()>& write) override;

private:
  std::mutex mtx_;
  std::map<std::string, grant_state> components_;
};

/// Stands in for a recorded peer: takes whatever the replayed actor sends,
/// which that actor journals. It takes every message, replies included,
/// because an unhandled one would bounce back to the service as an error
/// and end it.
caf::behavior stand_in(caf::event_based_actor* self);

} // namespace ha
