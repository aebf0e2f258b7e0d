#include "caf_ha/backends/zookeeper/zk_metadata_store.hpp"

#include <algorithm>
#include <cstdio>

#include "caf_ha/backends/graph_page.hpp"
#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_store_impl.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// Rounds of read-and-multi per op before giving up on a hot node.
constexpr int max_attempts = 32;

/// The data dirs `clear` empties; `jobgraph-changes` keeps its node so that
/// sequence numbers (and listeners' cursors) stay valid, `epochs` stays so
/// that epochs never repeat. `fencing` is what older versions kept.
const char* const data_dirs[] = {"jobgraphs", "results", "scheduling",
                                 "checkpoints", "counters", "fencing"};

bool is_conflict(int rc) {
  return rc == zk_rc::bad_version || rc == zk_rc::node_exists
         || rc == zk_rc::no_node;
}

caf::error corrupted(const std::string& node) {
  return make_error(errc::corrupted, "malformed ZooKeeper node " + node);
}

} // namespace

std::unique_ptr<metadata_store>
make_zk_metadata_store(std::shared_ptr<zk_connection> conn,
                       const std::string& payload_dir) {
  return std::make_unique<zk_store>(std::move(conn), payload_dir);
}

caf::expected<std::unique_ptr<metadata_store>>
open_zk_metadata_store(const zk_settings& settings,
                       const std::string& payload_dir) {
  auto conn = zk_connection::open(settings);
  if (!conn)
    return std::move(conn.error());
  return make_zk_metadata_store(std::move(*conn), payload_dir);
}

zk_store::zk_store(std::shared_ptr<zk_connection> conn,
                   std::string payload_dir)
  : conn_(std::move(conn)),
    payloads_(std::move(payload_dir)),
    base_(conn_->settings().cluster_path()),
    origin_(random_origin()) {
}

std::string zk_store::path(const std::string& dir) const {
  return base_ + "/" + dir;
}

std::string zk_store::path(const std::string& dir, const job_id& id) const {
  return base_ + "/" + dir + "/" + to_string(id);
}

std::string zk_store::checkpoint_path(const job_id& job, uint64_t id) const {
  char name[32];
  std::snprintf(name, sizeof(name), "/%020llu",
                static_cast<unsigned long long>(id));
  return path("checkpoints", job) + name;
}

std::vector<caf::error> zk_store::apply(std::vector<write_op>& ops) {
  std::vector<caf::error> errors;
  errors.reserve(ops.size());
  for (auto& op : ops)
    errors.push_back(apply_one(op));
  return errors;
}

int zk_store::run(const zk_plan& plan, size_t* failed_op) {
  auto rc = conn_->multi(plan.ops, nullptr, failed_op);
  // Parents exist after a cluster's first writes: making them only when a
  // create misses one saves a round trip per write.
  if (rc != zk_rc::no_node || plan.parents.empty())
    return rc;
  for (auto& parent : plan.parents)
    conn_->ensure_path(parent);
  return conn_->multi(plan.ops, nullptr, failed_op);
}

caf::error zk_store::apply_one(write_op& op) {
  if (auto err = check_arguments(op))
    return err;
  if (auto err = canonicalize_fence(op))
    return err;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    zk_plan plan;
    auto err = plan_fence(op, plan);
    if (!err)
      err = std::visit([&](auto& x) { return this->plan(x, plan); }, op);
    auto rc = zk_rc::ok;
    size_t failed_op = plan.ops.size();
    if (!err)
      rc = run(plan, &failed_op);
    if (rc == zk_rc::node_exists && plan.exists_op == failed_op)
      err = plan.if_exists;
    if (err || rc != zk_rc::ok)
      for (auto& file : plan.new_files)
        payloads_.remove(file);
    if (err)
      return err;
    if (rc == zk_rc::ok) {
      for (auto& file : plan.old_files)
        payloads_.remove(file);
      if (plan.then)
        plan.then();
      return caf::none;
    }
    if (!is_conflict(rc))
      return failed(rc, "writing " + target_of(op));
  }
  return make_error(errc::backend_unavailable,
                    "gave up writing " + target_of(op) + " after "
                      + std::to_string(max_attempts) + " conflicting writes");
}

caf::error zk_store::plan_fence(const write_op& op, zk_plan& plan) {
  auto& fence = fence_of(op);
  if (fence.empty())
    return caf::none;
  auto err = plan_grant_check(fence, plan);
  if (err && (is(err, errc::fenced) || is(err, errc::invalid_argument))) {
    err = refused_write(op, err);
    logger("store")->info("{}", describe(err));
  }
  return err;
}

/// The grant of epoch e is the latch node with sequence number e - 1 while
/// it is the lowest under the component's latch: a lower node can only
/// vanish, never appear, so a `check` of that node in the write's multi-op
/// makes the write fail if the grant ended in between.
caf::error zk_store::plan_grant_check(const fencing_token& fence,
                                      zk_plan& plan) {
  auto dir = conn_->settings().latch_path(fence.component);
  zk_stat latch;
  auto rc = conn_->exists(dir, &latch);
  if (rc == zk_rc::no_node || fence.epoch == 0)
    return never_issued_error(fence);
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + dir);
  auto sequence = fence.epoch - 1;
  // Sequence numbers below the latch's cversion were handed out before the
  // read above; the rest never were.
  if (sequence >= static_cast<uint64_t>(std::max(latch.cversion, 0)))
    return never_issued_error(fence);
  std::vector<std::string> names;
  rc = conn_->children(dir, names);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return failed(rc, "listing " + dir);
  std::optional<uint64_t> lowest;
  std::string holder;
  for (auto& name : names) {
    auto seq = sequence_of(name);
    if (!seq)
      continue;
    if (!lowest || *seq < *lowest)
      lowest = *seq;
    if (*seq == sequence)
      holder = name;
  }
  if (holder.empty())
    // Issued and gone, or a number a deletion used: not current either way.
    return not_current_error(fence);
  if (*lowest != sequence)
    return never_issued_error(fence); // A queued follower's node.
  plan.ops.push_back({zk_op::check, dir + "/" + holder});
  return caf::none;
}

caf::expected<job_graph> zk_store::get_job_graph(const job_id& id) {
  auto node = path("jobgraphs", id);
  std::string data;
  auto rc = conn_->get(node, data);
  if (rc == zk_rc::no_node)
    return make_error(errc::not_found, "no job graph for job " + to_string(id));
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  job_graph graph;
  graph.id = id;
  auto file = decode_graph_node(data, graph);
  if (!file)
    return corrupted(node);
  auto payload = payloads_.read(*file);
  if (!payload)
    return std::move(payload.error());
  graph.payload = std::move(*payload);
  return graph;
}

caf::expected<std::vector<job_id>> zk_store::job_graph_ids() {
  std::vector<std::string> names;
  auto rc = conn_->children(path("jobgraphs"), names);
  std::vector<job_id> result;
  if (rc == zk_rc::no_node)
    return result;
  if (rc != zk_rc::ok)
    return failed(rc, "listing " + path("jobgraphs"));
  for (auto& name : names)
    if (auto id = parse_job_id(name))
      result.push_back(*id);
  std::sort(result.begin(), result.end());
  return result;
}

caf::expected<job_graph_page>
zk_store::job_graphs(const std::optional<job_id>& after, uint32_t limit) {
  auto ids = job_graph_ids();
  if (!ids)
    return std::move(ids.error());
  auto i = after ? std::upper_bound(ids->begin(), ids->end(), *after)
                 : ids->begin();
  graph_page_builder page{limit};
  for (; i != ids->end() && !page.full(); ++i) {
    auto graph = get_job_graph(*i);
    if (!graph && is(graph.error(), errc::not_found))
      continue; // removed since the listing
    if (!graph)
      return std::move(graph.error());
    auto bytes = graph_page_bytes(*graph);
    if (!page.fits(bytes))
      break;
    page.add(std::move(*graph), bytes);
  }
  return page.finish(i == ids->end());
}

caf::expected<std::vector<job_graph_change>>
zk_store::job_graph_changes(uint64_t after) {
  auto dir = path("jobgraph-changes");
  std::vector<std::string> names;
  auto rc = conn_->children(dir, names);
  std::vector<job_graph_change> result;
  if (rc == zk_rc::no_node)
    return result;
  if (rc != zk_rc::ok)
    return failed(rc, "listing " + path("jobgraph-changes"));
  for (auto& name : names) {
    // ZooKeeper counts from 0; the change log from 1.
    auto sequence = sequence_of(name).value_or(0) + 1;
    if (sequence <= after)
      continue;
    std::string data;
    rc = conn_->get(dir + "/" + name, data);
    if (rc == zk_rc::no_node)
      continue; // Removed by `clear` meanwhile.
    if (rc != zk_rc::ok)
      return failed(rc, "reading " + dir + "/" + name);
    auto change = decode_change(sequence, data);
    if (!change)
      return corrupted(dir + "/" + name);
    result.push_back(*change);
  }
  std::sort(result.begin(), result.end(),
            [](auto& x, auto& y) { return x.sequence < y.sequence; });
  return result;
}

caf::expected<uint64_t> zk_store::last_job_graph_change() {
  std::vector<std::string> names;
  auto rc = conn_->children(path("jobgraph-changes"), names);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return failed(rc, "listing " + path("jobgraph-changes"));
  uint64_t result = 0;
  for (auto& name : names)
    result = std::max(result, sequence_of(name).value_or(0) + 1);
  return result;
}

caf::expected<std::optional<job_result_entry>>
zk_store::job_result(const job_id& id) {
  auto node = path("results", id);
  std::string data;
  auto rc = conn_->get(node, data);
  if (rc == zk_rc::no_node)
    return std::optional<job_result_entry>{};
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  auto entry = decode_result(id, data);
  if (!entry)
    return corrupted(node);
  return std::optional<job_result_entry>{*entry};
}

caf::expected<std::vector<job_result_entry>> zk_store::job_results(bool clean) {
  std::vector<std::string> names;
  auto rc = conn_->children(path("results"), names);
  std::vector<job_result_entry> result;
  if (rc == zk_rc::no_node)
    return result;
  if (rc != zk_rc::ok)
    return failed(rc, "listing " + path("results"));
  std::sort(names.begin(), names.end());
  for (auto& name : names) {
    auto id = parse_job_id(name);
    if (!id)
      continue;
    auto entry = job_result(*id);
    if (!entry)
      return std::move(entry.error());
    if (*entry && (*entry)->clean == clean)
      result.push_back(**entry);
  }
  return result;
}

caf::expected<scheduling_status>
zk_store::get_scheduling_status(const job_id& id) {
  auto node = path("scheduling", id);
  std::string data;
  auto rc = conn_->get(node, data);
  if (rc == zk_rc::no_node)
    return scheduling_status::pending;
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  auto value = decode_number(data);
  if (!value || *value > static_cast<uint64_t>(scheduling_status::done))
    return corrupted(node);
  return static_cast<scheduling_status>(*value);
}

caf::expected<completed_checkpoint>
zk_store::read_checkpoint(const std::string& node, std::string* file,
                          int* version) {
  std::string data;
  zk_stat stat;
  auto rc = conn_->get(node, data, &stat);
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  completed_checkpoint result;
  auto name = decode_checkpoint_node(data, result);
  if (!name)
    return corrupted(node);
  auto metadata = payloads_.read(*name);
  if (!metadata)
    return std::move(metadata.error());
  result.metadata = std::move(*metadata);
  if (file)
    *file = *name;
  if (version)
    *version = stat.version;
  return result;
}

caf::expected<std::vector<completed_checkpoint>>
zk_store::checkpoints(const job_id& job) {
  auto dir = path("checkpoints", job);
  std::vector<std::string> names;
  auto rc = conn_->children(dir, names);
  std::vector<completed_checkpoint> result;
  if (rc == zk_rc::no_node)
    return result;
  if (rc != zk_rc::ok)
    return failed(rc, "listing " + dir);
  std::sort(names.begin(), names.end());
  for (auto& name : names) {
    auto checkpoint = read_checkpoint(dir + "/" + name, nullptr, nullptr);
    if (!checkpoint)
      return std::move(checkpoint.error());
    checkpoint->job = job;
    checkpoint->checkpoint_id = decode_number(name).value_or(0);
    result.push_back(std::move(*checkpoint));
  }
  return result;
}

caf::expected<uint64_t> zk_store::counter(const job_id& job) {
  auto node = path("counters", job);
  std::string data;
  auto rc = conn_->get(node, data);
  if (rc == zk_rc::no_node)
    return uint64_t{1};
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  if (auto value = decode_number(data))
    return *value;
  return corrupted(node);
}

caf::expected<epoch_t> zk_store::reserve_epochs(epoch_t count) {
  if (count == 0)
    return make_error(errc::invalid_argument, "cannot reserve 0 epochs");
  auto node = path("epochs");
  conn_->ensure_path(base_);
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::string data;
    zk_stat stat;
    auto rc = conn_->get(node, data, &stat);
    if (rc != zk_rc::ok && rc != zk_rc::no_node)
      return failed(rc, "reading " + node);
    auto reserved = rc == zk_rc::ok ? decode_number(data) : epoch_t{0};
    if (!reserved)
      return corrupted(node);
    auto text = std::to_string(*reserved + count);
    rc = rc == zk_rc::no_node ? conn_->create(node, text)
                              : conn_->set(node, text, stat.version);
    if (rc == zk_rc::ok)
      return *reserved + 1;
    if (!is_conflict(rc))
      return failed(rc, "writing " + node);
  }
  return make_error(errc::backend_unavailable,
                    "gave up reserving epochs in " + node);
}

caf::error zk_store::clear() {
  fresh_results_.clear();
  for (auto dir : data_dirs)
    if (auto rc = conn_->remove_recursive(path(dir)); rc != zk_rc::ok)
      return failed(rc, std::string{"deleting "} + path(dir));
  auto changes = path("jobgraph-changes");
  std::vector<std::string> names;
  conn_->children(changes, names);
  for (auto& name : names)
    conn_->remove(changes + "/" + name);
  payloads_.remove_all();
  return caf::none;
}

} // namespace ha
