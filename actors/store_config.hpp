#pragma once

#include <chrono>
#include <memory>

#include "backends/metadata_store.hpp"

namespace ha {

/// What every metadata store actor is spawned with: its own connection to
/// the cluster's metadata. Store actors run detached, since the backend
/// blocks on I/O.
struct store_config {
  std::shared_ptr<metadata_store> store;
  /// How often the job graph store looks for other processes' changes.
  std::chrono::milliseconds poll_interval{100};
};

} // namespace ha
