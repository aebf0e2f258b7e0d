#include "caf_ha/backends/require_fence.hpp"

#include <utility>

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

class fence_required_store final : public metadata_store {
public:
  explicit fence_required_store(std::shared_ptr<metadata_store> inner)
    : inner_(std::move(inner)) {}

  uint64_t origin() const override {
    return inner_->origin();
  }

  std::vector<caf::error> apply(std::vector<write_op>& ops) override {
    std::vector<caf::error> errors(ops.size());
    std::vector<write_op> fenced;
    std::vector<size_t> positions;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (fence_of(ops[i]).empty()) {
        errors[i] = make_error(errc::invalid_argument,
                               "write to " + target_of(ops[i])
                                 + " refused: it carries no fence and "
                                   "ha.store.require-fence is true");
        continue;
      }
      fenced.push_back(std::move(ops[i]));
      positions.push_back(i);
    }
    auto inner_errors = fenced.empty() ? std::vector<caf::error>{}
                                       : inner_->apply(fenced);
    // Out fields (subsumed checkpoints, counter values) go back in place.
    for (size_t j = 0; j < positions.size(); ++j) {
      ops[positions[j]] = std::move(fenced[j]);
      errors[positions[j]] = std::move(inner_errors[j]);
    }
    return errors;
  }

  caf::expected<job_graph> get_job_graph(const job_id& id) override {
    return inner_->get_job_graph(id);
  }

  caf::expected<std::vector<job_id>> job_graph_ids() override {
    return inner_->job_graph_ids();
  }

  caf::expected<job_graph_page> job_graphs(const std::optional<job_id>& after,
                                           uint32_t limit) override {
    return inner_->job_graphs(after, limit);
  }

  caf::expected<std::vector<job_graph_change>>
  job_graph_changes(uint64_t after) override {
    return inner_->job_graph_changes(after);
  }

  caf::expected<uint64_t> last_job_graph_change() override {
    return inner_->last_job_graph_change();
  }

  caf::expected<std::optional<job_result_entry>>
  job_result(const job_id& id) override {
    return inner_->job_result(id);
  }

  caf::expected<std::vector<job_result_entry>>
  job_results(bool clean) override {
    return inner_->job_results(clean);
  }

  caf::expected<scheduling_status>
  get_scheduling_status(const job_id& id) override {
    return inner_->get_scheduling_status(id);
  }

  caf::expected<std::vector<completed_checkpoint>>
  checkpoints(const job_id& job) override {
    return inner_->checkpoints(job);
  }

  caf::expected<uint64_t> counter(const job_id& job) override {
    return inner_->counter(job);
  }

  caf::expected<epoch_t> reserve_epochs(epoch_t count) override {
    return inner_->reserve_epochs(count);
  }

  caf::error clear() override {
    return inner_->clear();
  }

private:
  std::shared_ptr<metadata_store> inner_;
};

} // namespace

std::unique_ptr<metadata_store>
require_fence(std::shared_ptr<metadata_store> inner) {
  return std::make_unique<fence_required_store>(std::move(inner));
}

} // namespace ha
