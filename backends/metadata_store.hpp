#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "caf_ha/messages/metadata.hpp"

namespace ha {

// -- writes -------------------------------------------------------------------

/// Inserts or replaces a job graph.
struct put_job_graph_op {
  job_graph graph;
  fencing_token fence;
};

/// Removes a job graph; absent is fine.
struct remove_job_graph_op {
  job_id id;
  fencing_token fence;
};

/// already_exists if the job has a result entry, dirty or clean.
struct create_dirty_result_op {
  job_result_entry entry;
  fencing_token fence;
};

/// not_found if the job has no entry; a no-op if it is clean already.
struct mark_result_clean_op {
  job_id id;
  fencing_token fence;
};

struct set_scheduling_status_op {
  job_id id;
  scheduling_status status;
  fencing_token fence;
};

/// Adds a checkpoint (replacing one with the same id) and drops the oldest
/// beyond `max_retained`; `subsumed` receives the dropped ones.
struct add_checkpoint_op {
  completed_checkpoint checkpoint;
  uint32_t max_retained = 1;
  fencing_token fence;
  std::vector<completed_checkpoint> subsumed; // out
};

/// `value` receives the id handed out; the counter moves past it. A job's
/// counter starts at 1.
struct increment_counter_op {
  job_id job;
  fencing_token fence;
  uint64_t value = 0; // out
};

struct set_counter_op {
  job_id job;
  uint64_t value = 0;
  fencing_token fence;
};

/// Drops the job's checkpoints and counter if `status` is globally terminal.
struct shutdown_checkpoints_op {
  job_id job;
  job_status status;
  fencing_token fence;
};

using write_op
  = std::variant<put_job_graph_op, remove_job_graph_op, create_dirty_result_op,
                 mark_result_clean_op, set_scheduling_status_op,
                 add_checkpoint_op, increment_counter_op, set_counter_op,
                 shutdown_checkpoints_op>;

/// A job graph added or removed, as recorded in the store's change log.
struct job_graph_change {
  uint64_t sequence = 0;
  job_id id;
  bool added = true;
  /// The `origin()` of the metadata_store instance that made the change.
  uint64_t origin = 0;
};

// -- the interface ------------------------------------------------------------

/// Durable (or, for memory, process-wide) storage of one cluster's metadata:
/// job graphs, job results, scheduling status, checkpoints, checkpoint
/// counters, the epochs an arbiter reserves.
///
/// Contract:
/// - Calls block and must not run on CAF's scheduler threads: the store
///   actors are detached. One instance is used by one thread at a time;
///   several instances (in one or several processes) may share the data.
/// - `apply(ops)` applies the writes in order as one unit and returns one
///   error per op (`caf::none` on success). When it returns, every
///   successful op is durable (for SQLite: committed with synchronous=FULL).
///   A failed op changes nothing; the other ops still apply. If the whole
///   batch fails (I/O error), every op gets that error and nothing is
///   applied.
/// - Fences: an op's fence component is canonicalised first
///   (`component::canonical`); one that is no component fails with
///   invalid_argument naming it. A fenced op applies only if its epoch is
///   the one the election *currently* grants that component, checked
///   atomically with the write (embedded: under the in-process arbiter's
///   lock; sqlite: the arbiter's `grants` table read in the write's
///   transaction; ZooKeeper: a `check` of the component's lowest latch node
///   in the write's multi-op; NONE: epoch 0 is always current). An epoch
///   the election issued for the component that is no longer current
///   (revoked, resigned, dead leader) fails with errc::fenced, even before
///   the successor wrote anything; an epoch it never issued for the
///   component (above the last one, 0, a queued follower's) fails with
///   invalid_argument. Below the last issued epoch, a backend that cannot
///   tell (sqlite's epochs are shared by all components, ZooKeeper's
///   sequence numbers also count deletions) answers fenced. Both messages
///   name the target, the component and the epoch; nothing changes.
///   Unfenced ops pass unless `ha.store.require-fence` wraps the store
///   (backends/require_fence.hpp).
/// - Reads see every write acknowledged before they started, from any
///   instance. Reads are never fenced.
class metadata_store {
public:
  virtual ~metadata_store() = default;

  /// Identifies this instance in the job graph change log.
  virtual uint64_t origin() const = 0;

  virtual std::vector<caf::error> apply(std::vector<write_op>& ops) = 0;

  /// not_found naming the job when absent.
  virtual caf::expected<job_graph> get_job_graph(const job_id& id) = 0;

  virtual caf::expected<std::vector<job_id>> job_graph_ids() = 0;

  /// The graphs with ids above `after` (from the first if none), in id
  /// order, as many as `graph_page_builder{limit}` admits
  /// (backends/graph_page.hpp); complete when none follows the last.
  virtual caf::expected<job_graph_page>
  job_graphs(const std::optional<job_id>& after, uint32_t limit) = 0;

  /// Changes with a sequence number above `after`, oldest first.
  virtual caf::expected<std::vector<job_graph_change>>
  job_graph_changes(uint64_t after) = 0;

  /// The newest sequence number in the change log (0 when empty).
  virtual caf::expected<uint64_t> last_job_graph_change() = 0;

  /// The job's result entry, if any.
  virtual caf::expected<std::optional<job_result_entry>>
  job_result(const job_id& id) = 0;

  /// All dirty (clean = false) or all clean entries.
  virtual caf::expected<std::vector<job_result_entry>>
  job_results(bool clean) = 0;

  virtual caf::expected<scheduling_status>
  get_scheduling_status(const job_id& id) = 0;

  /// The retained checkpoints in ascending checkpoint id.
  virtual caf::expected<std::vector<completed_checkpoint>>
  checkpoints(const job_id& job) = 0;

  /// The id `increment_counter_op` would hand out next (1 for a new job).
  virtual caf::expected<uint64_t> counter(const job_id& job) = 0;

  /// Reserves `count` election epochs that no caller, in any process or
  /// after any restart, ever got before; returns the first of them.
  virtual caf::expected<epoch_t> reserve_epochs(epoch_t count) = 0;

  /// Deletes every record of this cluster; the store stays usable.
  virtual caf::error clear() = 0;
};

} // namespace ha
