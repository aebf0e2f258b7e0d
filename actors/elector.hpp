#pragma once

#include <chrono>
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
  /// How long a leader that declared `drains` may take to send `drained`
  /// before it is revoked anyway (ha.election.drain-timeout).
  caf::timespan drain_timeout = std::chrono::seconds(10);
};

/// The elector's full interface: the public protocol plus the events its
/// driver sends and its idle timer. The elector acts on the latter two only
/// when they come through its private inbox (actors/driver_inbox.hpp): the
/// driver never sees the elector's own handle, which peers hold. `idle`
/// without a period: the services root handed the elector out, so its idle
/// period starts again and whoever asked finds it running. `drain(session)`
/// through the inbox: that session's drain time is up.
///
/// `transfer(to)`: an operator's handover to the contender that declared
/// address `to` (election_driver::transfer says what fails); answered once
/// the handover is under way. Only this process may ask (the services root,
/// which checks the admin secret of a remote peer's request); from a peer
/// it fails with permission_denied.
using elector_impl = elector_actor::extend_with<election_events_actor>::extend<
  caf::reacts_to<idle_atom, uint64_t>, caf::reacts_to<idle_atom>,
  caf::reacts_to<drain_atom, session_id>,
  caf::replies_to<transfer_atom, std::string>::with<caf::ok_atom>>;

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
