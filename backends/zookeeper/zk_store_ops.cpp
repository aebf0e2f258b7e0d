// The write ops of the ZooKeeper store: each reads what it needs and plans
// one multi-op, which fails as a whole if a node changed in between.

#include <algorithm>
#include <map>

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_store_impl.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

std::string parent_of(const std::string& node) {
  return node.substr(0, node.rfind('/'));
}

} // namespace

void zk_store::plan_upsert(zk_plan& plan, const std::string& node,
                           const std::string& data) {
  zk_stat stat;
  if (conn_->exists(node, &stat) == zk_rc::ok) {
    plan.ops.push_back({zk_op::set, node, data, stat.version});
    return;
  }
  plan.parents.push_back(parent_of(node));
  plan.ops.push_back({zk_op::create, node, data});
}

void zk_store::log_change(zk_plan& plan, const job_id& id, bool added) {
  auto dir = path("jobgraph-changes");
  plan.parents.push_back(dir);
  job_graph_change change{0, id, added, origin_};
  zk_op op{zk_op::create, dir + "/change-", encode_change(change)};
  op.sequential = true;
  plan.ops.push_back(std::move(op));
}

caf::error zk_store::plan(put_job_graph_op& op, zk_plan& plan) {
  auto node = path("jobgraphs", op.graph.id);
  std::string data;
  zk_stat stat;
  auto rc = conn_->get(node, data, &stat);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return failed(rc, "reading " + node);
  if (rc == zk_rc::ok) {
    job_graph old;
    if (auto file = decode_graph_node(data, old))
      plan.old_files.push_back(*file);
  }
  // The payload is durable before the node that points to it exists.
  auto file = payloads_.write("jobgraphs", op.graph.payload);
  if (!file)
    return std::move(file.error());
  plan.new_files.push_back(*file);
  auto node_data = encode_graph_node(op.graph, *file);
  if (rc == zk_rc::ok) {
    plan.ops.push_back({zk_op::set, node, node_data, stat.version});
    return caf::none;
  }
  plan.parents.push_back(parent_of(node));
  plan.ops.push_back({zk_op::create, node, node_data});
  log_change(plan, op.graph.id, true);
  return caf::none;
}

caf::error zk_store::plan(remove_job_graph_op& op, zk_plan& plan) {
  auto node = path("jobgraphs", op.id);
  std::string data;
  zk_stat stat;
  auto rc = conn_->get(node, data, &stat);
  if (rc == zk_rc::no_node)
    return caf::none;
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  job_graph old;
  if (auto file = decode_graph_node(data, old))
    plan.old_files.push_back(*file);
  plan.ops.push_back({zk_op::remove, node, {}, stat.version});
  log_change(plan, op.id, false);
  return caf::none;
}

caf::error zk_store::plan(create_dirty_result_op& op, zk_plan& plan) {
  auto node = path("results", op.entry.id);
  auto entry = op.entry;
  entry.clean = false;
  plan.parents.push_back(parent_of(node));
  plan.exists_op = plan.ops.size();
  plan.if_exists = make_error(errc::already_exists,
                              "job " + to_string(entry.id)
                                + " has a result already");
  plan.ops.push_back({zk_op::create, node, encode_result(entry)});
  plan.then = [this, entry] {
    constexpr size_t max_fresh = 4096;
    if (fresh_results_.size() >= max_fresh)
      fresh_results_.clear();
    fresh_results_[entry.id] = entry;
  };
  return caf::none;
}

caf::error zk_store::plan(mark_result_clean_op& op, zk_plan& plan) {
  auto node = path("results", op.id);
  if (auto i = fresh_results_.find(op.id); i != fresh_results_.end()) {
    auto entry = i->second;
    fresh_results_.erase(i);
    entry.clean = true;
    plan.ops.push_back({zk_op::set, node, encode_result(entry), 0});
    return caf::none;
  }
  std::string data;
  zk_stat stat;
  auto rc = conn_->get(node, data, &stat);
  if (rc == zk_rc::no_node)
    return make_error(errc::not_found,
                      "no job result for job " + to_string(op.id));
  if (rc != zk_rc::ok)
    return failed(rc, "reading " + node);
  auto entry = decode_result(op.id, data);
  if (!entry)
    return make_error(errc::corrupted, "malformed ZooKeeper node " + node);
  if (entry->clean)
    return caf::none;
  entry->clean = true;
  plan.ops.push_back({zk_op::set, node, encode_result(*entry), stat.version});
  return caf::none;
}

caf::error zk_store::plan(set_scheduling_status_op& op, zk_plan& plan) {
  plan_upsert(plan, path("scheduling", op.id),
              std::to_string(static_cast<int>(op.status)));
  return caf::none;
}

caf::error zk_store::plan(add_checkpoint_op& op, zk_plan& plan) {
  op.subsumed.clear();
  auto& job = op.checkpoint.job;
  auto dir = path("checkpoints", job);
  std::vector<std::string> names;
  auto rc = conn_->children(dir, names);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return failed(rc, "listing " + dir);
  std::map<uint64_t, bool> retained; // id -> is the new one
  for (auto& name : names)
    if (auto id = decode_number(name))
      retained[*id] = false;
  auto new_id = op.checkpoint.checkpoint_id;
  auto replaced = retained.count(new_id) > 0;
  retained[new_id] = true;
  while (retained.size() > op.max_retained) {
    auto [id, is_new] = *retained.begin();
    retained.erase(retained.begin());
    if (is_new) {
      op.subsumed.push_back(op.checkpoint);
      continue;
    }
    std::string file;
    int version = -1;
    auto node = checkpoint_path(job, id);
    auto old = read_checkpoint(node, &file, &version);
    if (!old)
      return std::move(old.error());
    old->job = job;
    old->checkpoint_id = id;
    op.subsumed.push_back(std::move(*old));
    plan.old_files.push_back(file);
    plan.ops.push_back({zk_op::remove, node, {}, version});
  }
  if (retained.count(new_id) == 0)
    return caf::none;
  auto node = checkpoint_path(job, new_id);
  if (replaced) {
    std::string file;
    if (read_checkpoint(node, &file, nullptr))
      plan.old_files.push_back(file);
  }
  auto file = payloads_.write("checkpoints/" + to_string(job),
                              op.checkpoint.metadata);
  if (!file)
    return std::move(file.error());
  plan.new_files.push_back(*file);
  plan_upsert(plan, node, encode_checkpoint_node(op.checkpoint, *file));
  return caf::none;
}

caf::error zk_store::plan(increment_counter_op& op, zk_plan& plan) {
  auto node = path("counters", op.job);
  std::string data;
  zk_stat stat;
  auto rc = conn_->get(node, data, &stat);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return failed(rc, "reading " + node);
  auto value = rc == zk_rc::ok ? decode_number(data) : uint64_t{1};
  if (!value)
    return make_error(errc::corrupted, "malformed ZooKeeper node " + node);
  if (auto err = check_counter_next(op.job, *value))
    return err;
  op.value = *value;
  auto next = std::to_string(*value + 1);
  if (rc == zk_rc::ok) {
    plan.ops.push_back({zk_op::set, node, next, stat.version});
  } else {
    plan.parents.push_back(parent_of(node));
    plan.ops.push_back({zk_op::create, node, next});
  }
  return caf::none;
}

caf::error zk_store::plan(set_counter_op& op, zk_plan& plan) {
  plan_upsert(plan, path("counters", op.job), std::to_string(op.value));
  return caf::none;
}

caf::error zk_store::plan(shutdown_checkpoints_op& op, zk_plan& plan) {
  if (!is_globally_terminal(op.status))
    return caf::none;
  auto dir = path("checkpoints", op.job);
  std::vector<std::string> names;
  auto rc = conn_->children(dir, names);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return failed(rc, "listing " + dir);
  for (auto& name : names) {
    std::string file;
    int version = -1;
    if (read_checkpoint(dir + "/" + name, &file, &version))
      plan.old_files.push_back(file);
    plan.ops.push_back({zk_op::remove, dir + "/" + name, {}, version});
  }
  if (rc == zk_rc::ok)
    plan.ops.push_back({zk_op::remove, dir});
  auto counter_node = path("counters", op.job);
  zk_stat stat;
  if (conn_->exists(counter_node, &stat) == zk_rc::ok)
    plan.ops.push_back({zk_op::remove, counter_node, {}, stat.version});
  return caf::none;
}

} // namespace ha
