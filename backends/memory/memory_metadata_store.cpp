#include "caf_ha/backends/memory/memory_metadata_store.hpp"

#include <algorithm>
#include <utility>

#include "caf_ha/backends/graph_page.hpp"
#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

using guard = std::lock_guard<std::mutex>;

/// One instance on the shared tables. Every call holds the mutex from start
/// to end, so a batch is one unit for readers on any instance.
class memory_metadata_store final : public metadata_store {
public:
  explicit memory_metadata_store(std::shared_ptr<memory_metadata> shared)
    : shared_(std::move(shared)), data_(*shared_), origin_(random_origin()) {}

  uint64_t origin() const override {
    return origin_;
  }

  std::vector<caf::error> apply(std::vector<write_op>& ops) override {
    guard lock{data_.mutex};
    std::vector<caf::error> errors;
    errors.reserve(ops.size());
    for (auto& op : ops)
      errors.push_back(apply_one(op));
    return errors;
  }

  caf::expected<job_graph> get_job_graph(const job_id& id) override {
    guard lock{data_.mutex};
    if (auto i = data_.job_graphs.find(id); i != data_.job_graphs.end())
      return i->second;
    return make_error(errc::not_found, "no job graph for job " + to_string(id));
  }

  caf::expected<std::vector<job_id>> job_graph_ids() override {
    guard lock{data_.mutex};
    std::vector<job_id> result;
    for (auto& entry : data_.job_graphs)
      result.push_back(entry.first);
    return result;
  }

  caf::expected<job_graph_page> job_graphs(const std::optional<job_id>& after,
                                           uint32_t limit) override {
    guard lock{data_.mutex};
    auto& graphs = data_.job_graphs;
    auto i = after ? graphs.upper_bound(*after) : graphs.begin();
    graph_page_builder page{limit};
    for (; i != graphs.end(); ++i) {
      auto bytes = graph_page_bytes(i->second);
      if (!page.fits(bytes))
        break;
      page.add(i->second, bytes);
    }
    return page.finish(i == graphs.end());
  }

  caf::expected<std::vector<job_graph_change>>
  job_graph_changes(uint64_t after) override {
    guard lock{data_.mutex};
    auto& log = data_.changes;
    auto first = std::upper_bound(log.begin(), log.end(), after,
                                  [](uint64_t x, const job_graph_change& y) {
                                    return x < y.sequence;
                                  });
    return std::vector<job_graph_change>(first, log.end());
  }

  caf::expected<uint64_t> last_job_graph_change() override {
    guard lock{data_.mutex};
    return data_.changes.empty() ? uint64_t{0} : data_.changes.back().sequence;
  }

  caf::expected<std::optional<job_result_entry>>
  job_result(const job_id& id) override {
    guard lock{data_.mutex};
    if (auto i = data_.job_results.find(id); i != data_.job_results.end())
      return std::optional<job_result_entry>{i->second};
    return std::optional<job_result_entry>{};
  }

  caf::expected<std::vector<job_result_entry>>
  job_results(bool clean) override {
    guard lock{data_.mutex};
    std::vector<job_result_entry> result;
    for (auto& entry : data_.job_results)
      if (entry.second.clean == clean)
        result.push_back(entry.second);
    return result;
  }

  caf::expected<scheduling_status>
  get_scheduling_status(const job_id& id) override {
    guard lock{data_.mutex};
    auto i = data_.scheduling.find(id);
    return i != data_.scheduling.end() ? i->second : scheduling_status::pending;
  }

  caf::expected<std::vector<completed_checkpoint>>
  checkpoints(const job_id& job) override {
    guard lock{data_.mutex};
    std::vector<completed_checkpoint> result;
    if (auto i = data_.checkpoints.find(job); i != data_.checkpoints.end())
      for (auto& entry : i->second)
        result.push_back(entry.second);
    return result;
  }

  caf::expected<uint64_t> counter(const job_id& job) override {
    guard lock{data_.mutex};
    auto i = data_.counters.find(job);
    return i != data_.counters.end() ? i->second : uint64_t{1};
  }

  caf::expected<epoch_t> reserve_epochs(epoch_t count) override {
    if (count == 0)
      return make_error(errc::invalid_argument, "cannot reserve 0 epochs");
    guard lock{data_.mutex};
    auto first = data_.reserved_epochs + 1;
    data_.reserved_epochs += count;
    return first;
  }

  caf::error clear() override {
    guard lock{data_.mutex};
    data_.job_graphs.clear();
    data_.job_results.clear();
    data_.scheduling.clear();
    data_.checkpoints.clear();
    data_.counters.clear();
    data_.changes.clear();
    return caf::none;
  }

private:
  /// Checks everything before changing anything, so a failed op changes
  /// nothing. A fenced op runs inside the election's check, so no grant
  /// changes between the check and the write.
  caf::error apply_one(write_op& op) {
    if (auto err = check_arguments(op))
      return err;
    if (auto err = canonicalize_fence(op))
      return err;
    auto ran = false;
    auto run_op = [this, &op, &ran] {
      ran = true;
      return std::visit([this](auto& x) { return run(x); }, op);
    };
    auto& fence = fence_of(op);
    if (fence.empty())
      return run_op();
    auto err = data_.grants ? data_.grants->run_fenced(fence, run_op)
                            : never_issued_error(fence);
    if (!err || ran)
      return err;
    auto refused = refused_write(op, err);
    logger("store")->info("{}", describe(refused));
    return refused;
  }

  void log_change(const job_id& id, bool added) {
    data_.changes.push_back({++data_.last_sequence, id, added, origin_});
  }

  caf::error run(put_job_graph_op& op) {
    auto [i, added] = data_.job_graphs.insert_or_assign(op.graph.id, op.graph);
    if (added)
      log_change(i->first, true);
    return caf::none;
  }

  caf::error run(remove_job_graph_op& op) {
    if (data_.job_graphs.erase(op.id) > 0)
      log_change(op.id, false);
    return caf::none;
  }

  caf::error run(create_dirty_result_op& op) {
    auto id = op.entry.id;
    if (data_.job_results.count(id) > 0)
      return make_error(errc::already_exists,
                        "job " + to_string(id) + " has a result already");
    auto& entry = data_.job_results[id] = op.entry;
    entry.clean = false;
    return caf::none;
  }

  caf::error run(mark_result_clean_op& op) {
    auto i = data_.job_results.find(op.id);
    if (i == data_.job_results.end())
      return make_error(errc::not_found,
                        "no job result for job " + to_string(op.id));
    i->second.clean = true;
    return caf::none;
  }

  caf::error run(set_scheduling_status_op& op) {
    data_.scheduling[op.id] = op.status;
    return caf::none;
  }

  caf::error run(add_checkpoint_op& op) {
    op.subsumed.clear();
    auto& retained = data_.checkpoints[op.checkpoint.job];
    retained.insert_or_assign(op.checkpoint.checkpoint_id, op.checkpoint);
    while (retained.size() > op.max_retained) {
      op.subsumed.push_back(std::move(retained.begin()->second));
      retained.erase(retained.begin());
    }
    return caf::none;
  }

  caf::error run(increment_counter_op& op) {
    auto& next = data_.counters.try_emplace(op.job, uint64_t{1}).first->second;
    if (auto err = check_counter_next(op.job, next))
      return err;
    op.value = next++;
    return caf::none;
  }

  caf::error run(set_counter_op& op) {
    data_.counters[op.job] = op.value;
    return caf::none;
  }

  caf::error run(shutdown_checkpoints_op& op) {
    if (is_globally_terminal(op.status)) {
      data_.checkpoints.erase(op.job);
      data_.counters.erase(op.job);
    }
    return caf::none;
  }

  std::shared_ptr<memory_metadata> shared_;
  memory_metadata& data_;
  uint64_t origin_;
};

} // namespace

std::unique_ptr<metadata_store>
open_memory_metadata_store(std::shared_ptr<memory_metadata> shared) {
  return std::make_unique<memory_metadata_store>(std::move(shared));
}

} // namespace ha
