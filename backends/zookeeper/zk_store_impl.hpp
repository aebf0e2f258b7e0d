#pragma once

// The class behind make_zk_metadata_store; reads in zk_metadata_store.cpp,
// the write ops in zk_store_ops.cpp.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_payloads.hpp"

namespace ha {

/// What one op does: the multi-op to run, and what to do after.
struct zk_plan {
  std::vector<zk_op> ops;
  /// Parents the creates need.
  std::vector<std::string> parents;
  /// Payload files written for this op: removed if the multi fails.
  std::vector<std::string> new_files;
  /// Payload files the op replaced or dropped: removed after success.
  std::vector<std::string> old_files;
  /// A create whose `node_exists` is the op's answer (`if_exists`), not a
  /// conflict to retry: saves reading the node first.
  std::optional<size_t> exists_op;
  caf::error if_exists;
  /// Runs after the multi-op succeeded.
  std::function<void()> then;
};

class zk_store final : public metadata_store {
public:
  zk_store(std::shared_ptr<zk_connection> conn, std::string payload_dir);

  uint64_t origin() const override {
    return origin_;
  }

  std::vector<caf::error> apply(std::vector<write_op>& ops) override;
  caf::expected<job_graph> get_job_graph(const job_id& id) override;
  caf::expected<std::vector<job_id>> job_graph_ids() override;
  caf::expected<job_graph_page> job_graphs(const std::optional<job_id>& after,
                                           uint32_t limit) override;
  caf::expected<std::vector<job_graph_change>>
  job_graph_changes(uint64_t after) override;
  caf::expected<uint64_t> last_job_graph_change() override;
  caf::expected<std::optional<job_result_entry>>
  job_result(const job_id& id) override;
  caf::expected<std::vector<job_result_entry>>
  job_results(bool clean) override;
  caf::expected<scheduling_status>
  get_scheduling_status(const job_id& id) override;
  caf::expected<std::vector<completed_checkpoint>>
  checkpoints(const job_id& job) override;
  caf::expected<uint64_t> counter(const job_id& job) override;
  caf::expected<epoch_t> reserve_epochs(epoch_t count) override;
  caf::error clear() override;

private:
  std::string path(const std::string& dir) const;
  std::string path(const std::string& dir, const job_id& id) const;
  std::string checkpoint_path(const job_id& job, uint64_t id) const;

  caf::error apply_one(write_op& op);

  /// Runs the plan's multi-op, making the missing parents if it needs them.
  int run(const zk_plan& plan, size_t* failed_op);
  caf::error plan_fence(const write_op& op, zk_plan& plan);
  caf::error plan_grant_check(const fencing_token& fence, zk_plan& plan);
  caf::error plan(put_job_graph_op& op, zk_plan& plan);
  caf::error plan(remove_job_graph_op& op, zk_plan& plan);
  caf::error plan(create_dirty_result_op& op, zk_plan& plan);
  caf::error plan(mark_result_clean_op& op, zk_plan& plan);
  caf::error plan(set_scheduling_status_op& op, zk_plan& plan);
  caf::error plan(add_checkpoint_op& op, zk_plan& plan);
  caf::error plan(increment_counter_op& op, zk_plan& plan);
  caf::error plan(set_counter_op& op, zk_plan& plan);
  caf::error plan(shutdown_checkpoints_op& op, zk_plan& plan);

  /// Adds a create, or a set at the current version, of `node`.
  void plan_upsert(zk_plan& plan, const std::string& node,
                   const std::string& data);

  void log_change(zk_plan& plan, const job_id& id, bool added);

  /// The retained checkpoint at `node`, with its metadata file's name.
  caf::expected<completed_checkpoint> read_checkpoint(const std::string& node,
                                                      std::string* file,
                                                      int* version);

  caf::error failed(int rc, const std::string& what) const {
    return conn_->error_for(rc, what);
  }

  std::shared_ptr<zk_connection> conn_;
  /// Dirty results this store created, still at node version 0 as far as
  /// it knows: marking one clean is a versioned set without a read. Taken
  /// out when used; a conflict then reads the node. Only a cache: cleared
  /// when it grows large.
  std::map<job_id, job_result_entry> fresh_results_;
  zk_payloads payloads_;
  std::string base_;
  uint64_t origin_;
};

} // namespace ha
