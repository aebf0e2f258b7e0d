#pragma once

// What the replay (actors/replay.cpp) puts in place of the recorded world:
// a backend that does nothing and stand-ins for the recorded peers. Not for
// use elsewhere.

#include <string>

#include <caf/fwd.hpp>

#include "backends/election_driver.hpp"
#include "backends/retrieval_driver.hpp"

namespace ha {

/// The replayed actors' backend. The journal holds what the backend told
/// them, and the actors journal their calls into it themselves, so the
/// calls need no effect.
class silent_driver : public election_driver, public retrieval_driver {
public:
  void join(const std::string&, uint64_t, election_events_actor) override {
    // nop
  }
  void leave(const std::string&, uint64_t) override {
    // nop
  }
  void publish(const std::string&, uint64_t, const leader_info&) override {
    // nop
  }
  void subscribe(const std::string&, listener_actor) override {
    // nop
  }
  void unsubscribe(const std::string&, const listener_actor&) override {
    // nop
  }
};

/// Stands in for a recorded peer: takes whatever the replayed actor sends,
/// which that actor journals. It takes every message, replies included,
/// because an unhandled one would bounce back to the service as an error
/// and end it.
caf::behavior stand_in(caf::event_based_actor* self);

} // namespace ha
