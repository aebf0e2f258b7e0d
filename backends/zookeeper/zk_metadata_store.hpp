#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/zookeeper/zk_settings.hpp"

namespace ha {

/// A `metadata_store` on ZooKeeper, with its own session. Small records are
/// nodes under `<cluster>/` (jobgraphs, jobgraph-changes, results,
/// scheduling, checkpoints, counters, fencing, epochs); job graph payloads
/// and checkpoint metadata are files under `payload_dir`, durable before the
/// node pointing to them is written. Each op is one multi-op that also
/// checks (or raises) the component's fencing node by version, retried
/// when another writer got in between. The change log is one sequential
/// node per change.
caf::expected<std::unique_ptr<metadata_store>>
open_zk_metadata_store(const zk_settings& settings,
                       const std::string& payload_dir);

} // namespace ha
