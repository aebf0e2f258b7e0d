#pragma once

#include <memory>
#include <string>

#include "caf_ha/backends/metadata_store.hpp"

namespace ha::ops {

class node_monitor;

/// `store` measured into `monitor`'s metrics as the store `name`: every
/// operation's count, errors by code and time in the backend; per batch
/// its size, and one fsync if `durable` (the backend commits to disk or a
/// quorum). Behaves exactly as `store` otherwise.
std::shared_ptr<metadata_store>
instrumented(std::shared_ptr<metadata_store> store,
             std::shared_ptr<node_monitor> monitor, std::string name,
             bool durable);

} // namespace ha::ops
