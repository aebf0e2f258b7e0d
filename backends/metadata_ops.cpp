#include "caf_ha/backends/metadata_ops.hpp"

#include "caf_ha/backends/grant_authority.hpp"

#include <random>
#include <variant>

#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

std::string job_text(const job_id& id) {
  return "job " + to_string(id);
}

struct target_visitor {
  std::string operator()(const put_job_graph_op& op) const {
    return "job graph of " + job_text(op.graph.id);
  }
  std::string operator()(const remove_job_graph_op& op) const {
    return "job graph of " + job_text(op.id);
  }
  std::string operator()(const create_dirty_result_op& op) const {
    return "job result of " + job_text(op.entry.id);
  }
  std::string operator()(const mark_result_clean_op& op) const {
    return "job result of " + job_text(op.id);
  }
  std::string operator()(const set_scheduling_status_op& op) const {
    return "scheduling status of " + job_text(op.id);
  }
  std::string operator()(const add_checkpoint_op& op) const {
    return "checkpoint " + std::to_string(op.checkpoint.checkpoint_id) + " of "
      + job_text(op.checkpoint.job);
  }
  std::string operator()(const increment_counter_op& op) const {
    return "checkpoint id counter of " + job_text(op.job);
  }
  std::string operator()(const set_counter_op& op) const {
    return "checkpoint id counter of " + job_text(op.job);
  }
  std::string operator()(const shutdown_checkpoints_op& op) const {
    return "checkpoints of " + job_text(op.job);
  }
};

} // namespace

std::string target_of(const write_op& op) {
  return std::visit(target_visitor{}, op);
}

const fencing_token& fence_of(const write_op& op) {
  return std::visit(
    [](const auto& x) -> const fencing_token& {
      return x.fence;
    },
    op);
}

namespace {

size_t record_size(const write_op& op) {
  if (auto x = std::get_if<put_job_graph_op>(&op)) {
    auto size = x->graph.name.size() + x->graph.payload.size();
    for (auto& [key, value] : x->graph.metadata)
      size += key.size() + value.size();
    return size;
  }
  if (auto x = std::get_if<add_checkpoint_op>(&op))
    return x->checkpoint.metadata.size();
  return 0;
}

} // namespace

caf::error check_arguments(const write_op& op) {
  if (auto size = record_size(op); size > max_record_payload)
    return make_error(errc::invalid_argument,
                      target_of(op) + " carries " + std::to_string(size)
                        + " bytes, over the limit of "
                        + std::to_string(max_record_payload) + " bytes");
  if (auto x = std::get_if<put_job_graph_op>(&op);
      x && x->graph.metadata.size() > max_graph_metadata_entries)
    return make_error(errc::invalid_argument,
                      target_of(op) + " carries "
                        + std::to_string(x->graph.metadata.size())
                        + " metadata entries, over the limit of "
                        + std::to_string(max_graph_metadata_entries));
  if (auto x = std::get_if<create_dirty_result_op>(&op);
      x && !is_valid_result_status(x->entry.status))
    return make_error(errc::invalid_argument,
                      "invalid status '" + x->entry.status + "' for "
                        + target_of(op));
  if (auto x = std::get_if<add_checkpoint_op>(&op); x && x->max_retained == 0)
    return make_error(errc::invalid_argument,
                      "max_retained of 0 for " + target_of(op));
  if (auto x = std::get_if<add_checkpoint_op>(&op))
    if (auto err = check_checkpoint_id(target_of(op),
                                       x->checkpoint.checkpoint_id))
      return err;
  if (auto x = std::get_if<set_counter_op>(&op))
    if (auto err = check_checkpoint_id(target_of(op), x->value))
      return err;
  if (auto x = std::get_if<shutdown_checkpoints_op>(&op);
      x && !is_valid_job_status(x->status))
    return make_error(errc::invalid_argument,
                      "unknown " + to_string(x->status) + " for "
                        + target_of(op));
  return caf::none;
}

caf::error check_counter_next(const job_id& job, uint64_t next) {
  if (next < max_checkpoint_id)
    return caf::none;
  return make_error(errc::invalid_argument,
                    "checkpoint id counter of " + job_text(job) + " is at "
                      + std::to_string(next) + ": it cannot hand out an id "
                      + "and move past it within 0.."
                      + std::to_string(max_checkpoint_id));
}

fencing_token& fence_of(write_op& op) {
  return std::visit([](auto& x) -> fencing_token& { return x.fence; }, op);
}

caf::error canonicalize_fence(write_op& op) {
  auto& fence = fence_of(op);
  if (fence.empty())
    return caf::none;
  auto name = component::canonical(fence.component);
  if (!name)
    return make_error(errc::invalid_argument,
                      "write to " + target_of(op) + " refused: fence "
                        + describe(name.error()));
  fence.component = std::move(*name);
  return caf::none;
}

caf::error not_current_error(const fencing_token& fence) {
  return make_error(errc::fenced,
                    "epoch " + std::to_string(fence.epoch) + " of "
                      + fence.component
                      + " is not the current grant (fenced)");
}

caf::error never_issued_error(const fencing_token& fence) {
  return make_error(errc::invalid_argument,
                    "epoch " + std::to_string(fence.epoch) + " of "
                      + fence.component + " was never issued");
}

caf::error refused_write(const write_op& op, const caf::error& err) {
  return make_error(static_cast<errc>(err.code()),
                    "write to " + target_of(op) + " refused: "
                      + describe(err));
}

caf::error not_current_error(const write_op& op) {
  return refused_write(op, not_current_error(fence_of(op)));
}

caf::error never_issued_error(const write_op& op) {
  return refused_write(op, never_issued_error(fence_of(op)));
}

caf::error grant_state::check(const grant_state* state,
                              const fencing_token& fence) {
  if (state == nullptr || fence.epoch == 0
      || fence.epoch > state->last_issued)
    return never_issued_error(fence);
  if (state->current != fence.epoch)
    return not_current_error(fence);
  return caf::none;
}

uint64_t random_origin() {
  std::random_device device;
  std::uniform_int_distribution<uint64_t> dist{1};
  return dist(device);
}

} // namespace ha
