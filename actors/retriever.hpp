#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "backends/retrieval_driver.hpp"
#include "messages/retrieval.hpp"

namespace ha {

class journal;

/// What a retriever is spawned with.
struct retriever_config {
  std::string component;
  std::shared_ptr<retrieval_driver> driver;
  /// Records every message in and out when set (`ha.journal.path`).
  std::shared_ptr<journal> message_journal = nullptr;
};

/// The retriever's full interface: the public protocol plus the leader
/// updates it receives from its driver.
using retriever_impl = retriever_actor::extend_with<listener_actor>;

/// Tells listeners who leads one component (DESIGN.md, "Leader retrieval"):
/// the current state at once on join, then every change in order with no
/// repeats of the same (address, session). Listeners are monitored and
/// forgotten when they terminate.
retriever_impl spawn_retriever(caf::actor_system& sys, retriever_config cfg);

/// As `spawn_retriever`, linked to `parent`.
retriever_impl spawn_linked_retriever(caf::local_actor* parent,
                                      retriever_config cfg);

} // namespace ha
