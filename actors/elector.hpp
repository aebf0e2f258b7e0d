#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "backends/election_driver.hpp"
#include "messages/election.hpp"

namespace ha {

class journal;

/// What an elector is spawned with.
struct elector_config {
  std::string component;
  std::shared_ptr<election_driver> driver;
  std::function<session_id()> new_session_id;
  /// Records every message in and out when set (`ha.journal.path`).
  std::shared_ptr<journal> message_journal = nullptr;
};

/// The elector's full interface: the public protocol plus the events its
/// driver sends.
using elector_impl = elector_actor::extend_with<election_events_actor>;

/// Runs one component's election (DESIGN.md, "Leader election"): contenders
/// join and leave, the driver picks the leader, the elector turns each grant
/// into a fresh session, publishes only confirmations of the current session,
/// and revokes a contender that leaves, resigns or terminates (contenders
/// are monitored). Quits when linked parents quit or on an exit message.
elector_impl spawn_elector(caf::actor_system& sys, elector_config cfg);

/// As `spawn_elector`, linked to `parent`.
elector_impl spawn_linked_elector(caf::local_actor* parent,
                                  elector_config cfg);

} // namespace ha
