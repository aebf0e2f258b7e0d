#pragma once

#include <functional>
#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/backend.hpp"

namespace ha {

class config;

/// Mode `zookeeper`: election, retrieval, every metadata store and the
/// cleanup share one session with the configured quorum; payload files live
/// under `cluster_dir/zk-payloads`. Fails with backend_unavailable naming
/// the quorum when no session can be opened.
caf::expected<backend>
make_zookeeper(const config& cfg, const std::string& cluster_dir,
               std::function<session_id()> new_session_id);

} // namespace ha
