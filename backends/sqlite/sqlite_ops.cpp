#include "caf_ha/backends/sqlite/sqlite_ops.hpp"

#include <algorithm>
#include <variant>

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::sqlite {

namespace {

bool has_row(statement_cache& sql, const char* query, const job_id& id) {
  auto select = sql(query);
  select.bind(id);
  return select.step();
}

/// Reads the arbiter's record in the caller's write transaction, which
/// holds the database's write lock: no grant changes before it commits.
caf::error check_fence(statement_cache& sql, const write_op& op) {
  auto& fence = fence_of(op);
  auto select = sql("SELECT last_epoch, current FROM grants "
                    "WHERE component = ?");
  select.bind(fence.component);
  if (!select.step() || fence.epoch == 0 || fence.epoch > select.uint_at(0))
    return never_issued_error(op);
  if (select.is_null(1) || select.uint_at(1) != fence.epoch)
    return not_current_error(op);
  return caf::none;
}

/// The SQL of each op, after its fence passed. Checks come before writes.
struct op_runner {
  statement_cache& sql;
  uint64_t origin;

  void log_change(const job_id& id, bool added) {
    sql("INSERT INTO job_graph_changes(job_id, added, origin) VALUES(?, ?, ?)")
      .bind(id)
      .bind(int64_t{added ? 1 : 0})
      .bind(origin)
      .run();
  }

  caf::error operator()(put_job_graph_op& op) {
    auto& graph = op.graph;
    auto added = !has_row(sql, "SELECT 1 FROM job_graphs WHERE job_id = ?",
                          graph.id);
    sql("INSERT OR REPLACE INTO job_graphs(job_id, name, payload) "
        "VALUES(?, ?, ?)")
      .bind(graph.id)
      .bind(graph.name)
      .bind(graph.payload)
      .run();
    sql("DELETE FROM job_graph_metadata WHERE job_id = ?").bind(graph.id).run();
    for (auto& [key, value] : graph.metadata)
      sql("INSERT INTO job_graph_metadata(job_id, key, value) VALUES(?, ?, ?)")
        .bind(graph.id)
        .bind(key)
        .bind(value)
        .run();
    if (added)
      log_change(graph.id, true);
    return caf::none;
  }

  caf::error operator()(remove_job_graph_op& op) {
    auto removed
      = sql("DELETE FROM job_graphs WHERE job_id = ?").bind(op.id).run();
    sql("DELETE FROM job_graph_metadata WHERE job_id = ?").bind(op.id).run();
    if (removed > 0)
      log_change(op.id, false);
    return caf::none;
  }

  caf::error operator()(create_dirty_result_op& op) {
    auto& entry = op.entry;
    if (has_row(sql, "SELECT 1 FROM job_results WHERE job_id = ?", entry.id))
      return make_error(errc::already_exists,
                        "job " + to_string(entry.id) + " has a result already");
    sql("INSERT INTO job_results(job_id, status, timestamp_ms, clean) "
        "VALUES(?, ?, ?, 0)")
      .bind(entry.id)
      .bind(entry.status)
      .bind(entry.timestamp_ms)
      .run();
    return caf::none;
  }

  caf::error operator()(mark_result_clean_op& op) {
    auto changed = sql("UPDATE job_results SET clean = 1 WHERE job_id = ?")
                     .bind(op.id)
                     .run();
    if (changed == 0)
      return make_error(errc::not_found,
                        "no job result for job " + to_string(op.id));
    return caf::none;
  }

  caf::error operator()(set_scheduling_status_op& op) {
    sql("INSERT OR REPLACE INTO scheduling(job_id, status) VALUES(?, ?)")
      .bind(op.id)
      .bind(static_cast<int64_t>(op.status))
      .run();
    return caf::none;
  }

  caf::error operator()(add_checkpoint_op& op) {
    auto& checkpoint = op.checkpoint;
    op.subsumed.clear();
    sql("INSERT OR REPLACE INTO checkpoints"
        "(job_id, checkpoint_id, timestamp_ms, metadata) VALUES(?, ?, ?, ?)")
      .bind(checkpoint.job)
      .bind(checkpoint.checkpoint_id)
      .bind(checkpoint.timestamp_ms)
      .bind(checkpoint.metadata)
      .run();
    {
      // Everything but the newest max_retained, newest first.
      auto older = sql("SELECT checkpoint_id, timestamp_ms, metadata "
                       "FROM checkpoints WHERE job_id = ? "
                       "ORDER BY checkpoint_id DESC LIMIT -1 OFFSET ?");
      older.bind(checkpoint.job).bind(int64_t{op.max_retained});
      while (older.step())
        op.subsumed.push_back({checkpoint.job, older.uint_at(0),
                               older.int_at(1), older.blob_at(2)});
    }
    std::reverse(op.subsumed.begin(), op.subsumed.end());
    for (auto& subsumed : op.subsumed)
      sql("DELETE FROM checkpoints WHERE job_id = ? AND checkpoint_id = ?")
        .bind(subsumed.job)
        .bind(subsumed.checkpoint_id)
        .run();
    return caf::none;
  }

  caf::error operator()(increment_counter_op& op) {
    auto select = sql("SELECT next FROM counters WHERE job_id = ?");
    select.bind(op.job);
    op.value = select.step() ? select.uint_at(0) : 1;
    if (auto err = check_counter_next(op.job, op.value))
      return err;
    set(op.job, op.value + 1);
    return caf::none;
  }

  caf::error operator()(set_counter_op& op) {
    set(op.job, op.value);
    return caf::none;
  }

  caf::error operator()(shutdown_checkpoints_op& op) {
    if (!is_globally_terminal(op.status))
      return caf::none;
    sql("DELETE FROM checkpoints WHERE job_id = ?").bind(op.job).run();
    sql("DELETE FROM counters WHERE job_id = ?").bind(op.job).run();
    return caf::none;
  }

  void set(const job_id& job, uint64_t next) {
    sql("INSERT OR REPLACE INTO counters(job_id, next) VALUES(?, ?)")
      .bind(job)
      .bind(next)
      .run();
  }
};

} // namespace

caf::error run_op(statement_cache& sql, write_op& op, uint64_t origin) {
  if (auto err = check_arguments(op))
    return err;
  if (auto err = canonicalize_fence(op))
    return err;
  if (!fence_of(op).empty())
    if (auto err = check_fence(sql, op))
      return err;
  return std::visit(op_runner{sql, origin}, op);
}

epoch_t reserve_epochs(statement_cache& sql, epoch_t count, epoch_t floor) {
  epoch_t high_water = 0;
  {
    auto select = sql("SELECT high_water FROM epochs WHERE id = 1");
    if (select.step())
      high_water = select.uint_at(0);
  }
  auto first = std::max(high_water, floor) + 1;
  sql("INSERT OR REPLACE INTO epochs(id, high_water) VALUES(1, ?)")
    .bind(first + count - 1)
    .run();
  return first;
}

} // namespace ha::sqlite
