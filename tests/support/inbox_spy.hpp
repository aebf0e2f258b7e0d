#pragma once

// The in-process arbiter, remembering where electors and retrievers asked
// it to report: their private inboxes. Tests send driver reports there, the
// only place an elector or retriever takes them from.

#include <string>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>

#include "caf_ha/backends/memory/memory_election.hpp"

namespace ha::test {

class inbox_spy : public memory_election {
public:
  void join(const std::string& component, uint64_t candidate,
            const contender_options& options,
            election_events_actor events) override {
    elector_inbox = caf::actor_cast<caf::actor>(events);
    memory_election::join(component, candidate, options, std::move(events));
  }

  void subscribe(const std::string& component, listener_actor sink) override {
    retriever_inbox = caf::actor_cast<caf::actor>(sink);
    memory_election::subscribe(component, std::move(sink));
  }

  /// The inbox of the last elector that joined a candidate.
  caf::actor elector_inbox;
  /// The inbox of the last retriever that subscribed.
  caf::actor retriever_inbox;
};

} // namespace ha::test
