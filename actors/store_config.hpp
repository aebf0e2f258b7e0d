#pragma once

#include <chrono>
#include <memory>

#include <caf/local_actor.hpp>
#include <caf/spawn_options.hpp>

#include "caf_ha/backends/metadata_store.hpp"

namespace ha {

class journal;

/// What every metadata store actor is spawned with: its own connection to
/// the cluster's metadata. Store actors run detached, since the backend
/// blocks on I/O.
struct store_config {
  std::shared_ptr<metadata_store> store;
  /// How often the job graph store looks for other processes' changes.
  std::chrono::milliseconds poll_interval{100};
  /// Set by `ha.journal.path`: the store records its messages into it.
  std::shared_ptr<journal> message_journal{};
  /// The replay runs stores on CAF's test scheduler and feeds them the
  /// recorded flush messages itself: not detached, no self-sent flushes.
  bool replaying = false;
};

/// Spawns the store behaviour `fun`: detached and linked to `parent`, or
/// scheduled and unlinked when replaying.
template <class Handle, class F, class Config>
Handle spawn_store(caf::local_actor* parent, F fun, Config cfg) {
  if (cfg.replaying) // the replay ends its actors itself
    return parent->spawn(fun, std::move(cfg));
  return parent->spawn<caf::linked + caf::detached>(fun, std::move(cfg));
}

} // namespace ha
