#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"

namespace ha {

/// A `metadata_store` on ZooKeeper. Small records are
/// nodes under `<cluster>/` (jobgraphs, jobgraph-changes, results,
/// scheduling, checkpoints, counters, fencing, epochs); job graph payloads
/// and checkpoint metadata are files under `payload_dir`, durable before the
/// node pointing to them is written. Each op is one multi-op that also
/// checks (or raises) the component's fencing node by version, retried
/// when another writer got in between. The change log is one sequential
/// node per change.
///
/// On `conn`, the process's shared session: a write fails with
/// backend_unavailable while the session is lost, and one under the epoch
/// of a grant that ended with it is `fenced` (its latch node vanished with
/// the session).
std::unique_ptr<metadata_store>
make_zk_metadata_store(std::shared_ptr<zk_connection> conn,
                       const std::string& payload_dir);

/// The same on a session of its own (as another process would have);
/// backend_unavailable naming the quorum when it cannot connect.
caf::expected<std::unique_ptr<metadata_store>>
open_zk_metadata_store(const zk_settings& settings,
                       const std::string& payload_dir);

} // namespace ha
