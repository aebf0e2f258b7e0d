#include "caf_ha/actors/ops/instrumented_store.hpp"

#include <chrono>
#include <map>
#include <mutex>

#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::ops {

namespace {

/// The name of a write, as its operation label.
const char* op_name(const write_op& op) {
  static constexpr const char* names[] = {
    "put_job_graph",         "remove_job_graph", "create_dirty_result",
    "mark_result_clean",     "set_scheduling_status", "add_checkpoint",
    "increment_counter",     "set_counter",      "shutdown_checkpoints"};
  static_assert(std::size(names) == std::variant_size_v<write_op>);
  return names[op.index()];
}

/// The label of an error: our code's name, or CAF's rendering otherwise.
std::string code_of(const caf::error& err) {
  if (err.category() == error_category)
    return to_string(static_cast<errc>(err.code()));
  return "other";
}

class instrumented_store final : public metadata_store {
public:
  instrumented_store(std::shared_ptr<metadata_store> inner,
                     std::shared_ptr<node_monitor> monitor, std::string name,
                     bool durable)
    : inner_(std::move(inner)),
      monitor_(std::move(monitor)),
      name_(std::move(name)),
      durable_(durable),
      batch_size_(reg().get_histogram("caf_ha_store_batch_size", {name_})),
      fsyncs_(reg().get_counter("caf_ha_store_fsyncs_total", {name_})) {
  }

  uint64_t origin() const override {
    return inner_->origin();
  }

  std::vector<caf::error> apply(std::vector<write_op>& ops) override {
    auto start = std::chrono::steady_clock::now();
    auto errors = inner_->apply(ops);
    std::chrono::duration<double> took = std::chrono::steady_clock::now()
                                         - start;
    batch_size_.observe(static_cast<double>(ops.size()));
    if (durable_ && !ops.empty())
      fsyncs_.inc();
    for (size_t i = 0; i < ops.size(); ++i)
      count(op_name(ops[i]), took.count(),
            i < errors.size() ? errors[i] : caf::error{});
    return errors;
  }

  caf::expected<job_graph> get_job_graph(const job_id& id) override {
    return timed("get_job_graph", [&] { return inner_->get_job_graph(id); });
  }

  caf::expected<std::vector<job_id>> job_graph_ids() override {
    return timed("job_graph_ids", [&] { return inner_->job_graph_ids(); });
  }

  caf::expected<job_graph_page> job_graphs(const std::optional<job_id>& after,
                                           uint32_t limit) override {
    return timed("job_graphs",
                 [&] { return inner_->job_graphs(after, limit); });
  }

  caf::expected<std::vector<job_graph_change>>
  job_graph_changes(uint64_t after) override {
    return timed("job_graph_changes",
                 [&] { return inner_->job_graph_changes(after); });
  }

  caf::expected<uint64_t> last_job_graph_change() override {
    return timed("last_job_graph_change",
                 [&] { return inner_->last_job_graph_change(); });
  }

  caf::expected<std::optional<job_result_entry>>
  job_result(const job_id& id) override {
    return timed("job_result", [&] { return inner_->job_result(id); });
  }

  caf::expected<std::vector<job_result_entry>>
  job_results(bool clean) override {
    return timed("job_results", [&] { return inner_->job_results(clean); });
  }

  caf::expected<scheduling_status>
  get_scheduling_status(const job_id& id) override {
    return timed("get_scheduling_status",
                 [&] { return inner_->get_scheduling_status(id); });
  }

  caf::expected<std::vector<completed_checkpoint>>
  checkpoints(const job_id& job) override {
    return timed("checkpoints", [&] { return inner_->checkpoints(job); });
  }

  caf::expected<uint64_t> counter(const job_id& job) override {
    return timed("counter", [&] { return inner_->counter(job); });
  }

  caf::expected<epoch_t> reserve_epochs(epoch_t count) override {
    return timed("reserve_epochs",
                 [&] { return inner_->reserve_epochs(count); });
  }

  caf::error clear() override {
    auto start = std::chrono::steady_clock::now();
    auto err = inner_->clear();
    std::chrono::duration<double> took = std::chrono::steady_clock::now()
                                         - start;
    count("clear", took.count(), err);
    return err;
  }

private:
  registry& reg() {
    return monitor_->metrics();
  }

  template <class F>
  auto timed(const char* op, F read) -> decltype(read()) {
    auto start = std::chrono::steady_clock::now();
    auto result = read();
    std::chrono::duration<double> took = std::chrono::steady_clock::now()
                                         - start;
    count(op, took.count(), result ? caf::error{} : result.error());
    return result;
  }

  /// The series of one operation; `op` is one of the literals above.
  struct op_series {
    ops::counter* requests;
    histogram* duration;
  };

  /// Looked up once per operation: the registry's lookup locks and
  /// allocates, and writes are the hot path.
  op_series& series(const char* op) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = series_.find(op);
    if (i == series_.end())
      i = series_
            .emplace(op, op_series{
                           &reg().get_counter("caf_ha_store_requests_total",
                                              {name_, op}),
                           &reg().get_histogram(
                             "caf_ha_store_request_duration_seconds",
                             {name_, op})})
            .first;
    return i->second;
  }

  void count(const char* op, double seconds, const caf::error& err) {
    auto& s = series(op);
    s.requests->inc();
    s.duration->observe(seconds);
    if (err)
      reg()
        .get_counter("caf_ha_store_errors_total", {name_, op, code_of(err)})
        .inc();
  }

  std::shared_ptr<metadata_store> inner_;
  std::shared_ptr<node_monitor> monitor_;
  std::string name_;
  bool durable_;
  histogram& batch_size_;
  ops::counter& fsyncs_;
  std::mutex mtx_;
  std::map<const char*, op_series> series_;
};

} // namespace

std::shared_ptr<metadata_store>
instrumented(std::shared_ptr<metadata_store> store,
             std::shared_ptr<node_monitor> monitor, std::string name,
             bool durable) {
  return std::make_shared<instrumented_store>(std::move(store),
                                              std::move(monitor),
                                              std::move(name), durable);
}

} // namespace ha::ops
