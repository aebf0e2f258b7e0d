#pragma once
// The cluster at a glance, as `hactl status` and the status page show it:
// collected from a services root through its public protocol, so that it
// works the same in-process and across the network.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/messages/ha_services.hpp"
#include "caf_ha/messages/status.hpp"

namespace ha::ops {

struct cluster_status {
  std::string mode;
  std::string cluster_id;
  node_status node;
  uint64_t job_graphs = 0;
  uint64_t dirty_results = 0;
  uint64_t clean_results = 0;
  /// Jobs with a graph whose scheduling status is running.
  uint64_t running_jobs = 0;
  /// Retained checkpoints of the jobs with a graph.
  uint64_t checkpoints = 0;
};

/// Asks `root` (and its stores) for everything in a `cluster_status`,
/// each request within `timeout`; the first error ends it. Blocks: call it
/// from a plain thread. Costs two requests per stored job graph.
caf::expected<cluster_status> collect_status(caf::scoped_actor& self,
                                             const ha_services_actor& root,
                                             caf::timespan timeout);

/// One JSON document: `mode`, `cluster_id`, `node` (version, started_ms,
/// now_ms, blob_bytes_in, blob_bytes_out), `components`, `jobs` and
/// `changes`.
std::string to_json(const cluster_status& x);

/// The same facts as JSON lines, one object per line with `kind` node,
/// component, jobs or change.
std::vector<std::string> to_json_lines(const cluster_status& x);

/// An aligned table for a terminal.
std::string to_table(const cluster_status& x);

} // namespace ha::ops
