#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/actors/driver_inbox.hpp"
#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/messages/election.hpp"

namespace ha {

class journal;

namespace ops {
class node_monitor;
} // namespace ops

/// What an elector is spawned with.
struct elector_config {
  std::string component;
  std::shared_ptr<election_driver> driver;
  std::function<session_id()> new_session_id;
  /// Records every message in and out when set (`ha.journal.path`).
  std::shared_ptr<journal> message_journal = nullptr;
  /// The elector quits after this long without a contender; zero: never.
  caf::timespan idle_timeout{0};
  /// Where the elector reports grants, confirmations and revocations
  /// (actors/ops/node_monitor.hpp); a private one if not set.
  std::shared_ptr<ops::node_monitor> monitor = nullptr;
};

/// The elector's full interface: the public protocol plus the events its
/// driver sends and its idle timer. The elector acts on the latter two only
/// when they come through its private inbox (actors/driver_inbox.hpp): the
/// driver never sees the elector's own handle, which peers hold. `idle`
/// without a period: the services root handed the elector out, so its idle
/// period starts again and whoever asked finds it running.
using elector_impl = elector_actor::extend_with<election_events_actor>::extend<
  caf::reacts_to<idle_atom, uint64_t>, caf::reacts_to<idle_atom>>;

/// Runs one component's election: contenders
/// join and leave, the driver picks the leader, the elector turns each grant
/// into a fresh session, publishes only confirmations of the current session,
/// and revokes a contender that leaves, resigns or terminates (contenders
/// are monitored). Quits when linked parents quit, on an exit message, or
/// after `idle_timeout` without a contender. Messages outside the protocol
/// are refused and logged once per peer.
elector_impl spawn_elector(caf::actor_system& sys, elector_config cfg);

/// As `spawn_elector`, linked to `parent`.
elector_impl spawn_linked_elector(caf::local_actor* parent,
                                  elector_config cfg);

} // namespace ha
