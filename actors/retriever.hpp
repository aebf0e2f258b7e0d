#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/actors/driver_inbox.hpp"
#include "caf_ha/backends/retrieval_driver.hpp"
#include "caf_ha/messages/retrieval.hpp"

namespace ha {

class journal;

namespace ops {
class node_monitor;
} // namespace ops

/// What a retriever is spawned with.
struct retriever_config {
  std::string component;
  std::shared_ptr<retrieval_driver> driver;
  /// Records every message in and out when set (`ha.journal.path`).
  std::shared_ptr<journal> message_journal = nullptr;
  /// The retriever quits after this long without a listener; zero: never.
  caf::timespan idle_timeout{0};
  /// Where the retriever reports its listeners (actors/ops/node_monitor.hpp);
  /// a private one if not set.
  std::shared_ptr<ops::node_monitor> monitor = nullptr;
};

/// The retriever's full interface: the public protocol plus the leader
/// updates it receives from its driver and its idle timer, on which it acts
/// only when they come through its private inbox (actors/driver_inbox.hpp),
/// and `idle` without a period: the services root handed the retriever out,
/// so its idle period starts again and whoever asked finds it running.
using retriever_impl = retriever_actor::extend_with<listener_actor>::extend<
  caf::reacts_to<idle_atom, uint64_t>, caf::reacts_to<idle_atom>>;

/// Tells listeners who leads one component:
/// the current state at once on join, then every change in order with no
/// repeats of the same (address, session). Listeners are monitored and
/// forgotten when they terminate. Quits after `idle_timeout` without a
/// listener; refuses messages outside its protocol.
retriever_impl spawn_retriever(caf::actor_system& sys, retriever_config cfg);

/// As `spawn_retriever`, linked to `parent`.
retriever_impl spawn_linked_retriever(caf::local_actor* parent,
                                      retriever_config cfg);

} // namespace ha
