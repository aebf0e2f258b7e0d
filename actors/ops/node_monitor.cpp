#include "caf_ha/actors/ops/node_monitor.hpp"

#include "caf_ha/actors/net/peer_counts.hpp"

#ifndef CAF_HA_VERSION
#  define CAF_HA_VERSION "unknown"
#endif

namespace ha::ops {

namespace {

/// Every metric of a node, declared at once so that the endpoint and the
/// README's table show them before anything happened.
void declare_node_metrics(registry& reg) {
  using mt = metric_type;
  const std::vector<std::string> comp{"component"};
  reg.declare({"caf_ha_build_info", "Always 1; the version of caf-ha.",
               mt::gauge, {"version"}});
  reg.declare({"caf_ha_start_time_seconds",
               "When the services started, in seconds since the Unix epoch.",
               mt::gauge});
  reg.declare({"caf_ha_leader",
               "1 while a leader confirmed its grant through this node, "
               "else 0.",
               mt::gauge, comp});
  reg.declare({"caf_ha_leader_epoch",
               "Epoch of the component's latest grant.", mt::gauge, comp});
  reg.declare({"caf_ha_leader_changes_total",
               "Confirmations of a new leader.", mt::counter, comp});
  reg.declare({"caf_ha_grants_total", "Grants handed to contenders.",
               mt::counter, comp});
  reg.declare({"caf_ha_revocations_total",
               "Grants ended, by cause: crash (the contender terminated), "
               "resign (it resigned or left), connection_lost (its "
               "process died, hung past ha.heartbeat.timeout or was cut "
               "off), error (the backend took the grant).",
               mt::counter, {"component", "cause"}});
  reg.declare({"caf_ha_contenders", "Contenders in the election.",
               mt::gauge, comp});
  reg.declare({"caf_ha_listeners", "Listeners of the leader retrieval (a client's retriever "
                "proxy counts once for all its listeners).",
               mt::gauge, comp});
  reg.declare({"caf_ha_leaderless_seconds",
               "Time from the loss of a confirmed leader to the next "
               "confirmation.",
               mt::histogram, comp},
              {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
               10, 30, 60, 300});
  const std::vector<std::string> store_op{"store", "op"};
  reg.declare({"caf_ha_store_requests_total",
               "Operations on the metadata backend, per store and "
               "operation (each write of a batch counts).",
               mt::counter, store_op});
  reg.declare({"caf_ha_store_errors_total",
               "Operations that failed, by error code.", mt::counter,
               {"store", "op", "code"}});
  reg.declare({"caf_ha_store_request_duration_seconds",
               "Time in the backend per operation (a write: its batch's "
               "commit).",
               mt::histogram, store_op},
              latency_buckets());
  reg.declare({"caf_ha_store_batch_size", "Writes committed together.",
               mt::histogram, {"store"}},
              {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
  reg.declare({"caf_ha_store_fsyncs_total",
               "Batches made durable (one commit each: an fsync in sqlite "
               "mode, a quorum write in zookeeper mode; none in memory).",
               mt::counter, {"store"}});
  reg.declare({"caf_ha_peers_connected",
               "Connections of peer processes open now (every guarded "
               "listener of this process).",
               mt::gauge});
  reg.declare({"caf_ha_peers_accepted_total",
               "Connections of peer processes accepted.", mt::counter});
  reg.declare({"caf_ha_peers_refused_total",
               "Peer connections dropped for breaking the wire rules or "
               "failing TLS.",
               mt::counter});
  reg.declare({"caf_ha_blob_received_bytes_total",
               "Blob bytes uploaded to this node.", mt::counter});
  reg.declare({"caf_ha_blob_sent_bytes_total",
               "Blob bytes downloaded from this node.", mt::counter});
  reg.declare({"caf_ha_journal_records_total",
               "Records the message journal took (`ha.journal.path`).",
               mt::counter});
  reg.declare({"caf_ha_journal_dropped_records_total",
               "Journal records dropped because its queue was full.",
               mt::counter});
}

} // namespace

const char* to_string(revoke_cause x) {
  switch (x) {
    case revoke_cause::crash:
      return "crash";
    case revoke_cause::resign:
      return "resign";
    case revoke_cause::connection_lost:
      return "connection_lost";
    default:
      return "error";
  }
}

int64_t unix_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

node_monitor::node_monitor() : started_ms_(unix_millis()) {
  declare_node_metrics(metrics_);
  metrics_.get_gauge("caf_ha_build_info", {CAF_HA_VERSION}).set(1);
  metrics_.get_gauge("caf_ha_start_time_seconds")
    .set(static_cast<double>(started_ms_) / 1000.0);
  metrics_.on_collect([this] {
    auto peers = current_peer_counts();
    metrics_.get_gauge("caf_ha_peers_connected")
      .set(static_cast<double>(peers.open));
    metrics_.get_counter("caf_ha_peers_accepted_total")
      .raise_to(static_cast<double>(peers.accepted));
    metrics_.get_counter("caf_ha_peers_refused_total")
      .raise_to(static_cast<double>(peers.refused));
  });
}

node_monitor::component_state&
node_monitor::component(const std::string& name) {
  auto& st = components_[name];
  st.status.name = name;
  return st;
}

void node_monitor::record(leader_change change) {
  history_.push_back(std::move(change));
  if (history_.size() > history_size)
    history_.pop_front();
}

void node_monitor::service_started(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  ++component(name).services;
}

void node_monitor::service_stopped(const std::string& name) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = components_.find(name);
    if (i == components_.end() || --i->second.services > 0
        || !i->second.status.leader.empty())
      return;
    components_.erase(i);
  }
  metrics_.forget("component", name);
}

void node_monitor::contenders(const std::string& name, size_t count) {
  metrics_.get_gauge("caf_ha_contenders", {name})
    .set(static_cast<double>(count));
  std::lock_guard<std::mutex> guard{mtx_};
  component(name).status.contenders = static_cast<uint32_t>(count);
}

void node_monitor::listeners(const std::string& name, size_t count) {
  metrics_.get_gauge("caf_ha_listeners", {name})
    .set(static_cast<double>(count));
  std::lock_guard<std::mutex> guard{mtx_};
  component(name).status.listeners = static_cast<uint32_t>(count);
}

void node_monitor::granted(const std::string& name, uint64_t epoch) {
  metrics_.get_counter("caf_ha_grants_total", {name}).inc();
  metrics_.get_gauge("caf_ha_leader_epoch", {name})
    .set(static_cast<double>(epoch));
}

void node_monitor::confirmed(const std::string& name,
                             const std::string& address, uint64_t epoch) {
  leader_change change{name, address, epoch, {}, unix_millis(), 0};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& st = component(name);
    if (st.status.leader == address && st.status.epoch == epoch)
      return; // confirmed again: no change
    if (st.lost_at) {
      auto gap = clock::now() - *st.lost_at;
      change.leaderless_ms
        = std::chrono::duration_cast<std::chrono::milliseconds>(gap).count();
      change.cause = st.lost_cause;
      metrics_.get_histogram("caf_ha_leaderless_seconds", {name})
        .observe(std::chrono::duration<double>(gap).count());
      st.lost_at.reset();
    }
    st.status.leader = address;
    st.status.epoch = epoch;
    st.status.since_ms = change.at_ms;
    record(change);
  }
  metrics_.get_gauge("caf_ha_leader", {name}).set(1);
  metrics_.get_counter("caf_ha_leader_changes_total", {name}).inc();
}

void node_monitor::revoked(const std::string& name, revoke_cause cause,
                           bool was_confirmed) {
  metrics_.get_counter("caf_ha_revocations_total", {name, to_string(cause)})
    .inc();
  if (!was_confirmed)
    return;
  metrics_.get_gauge("caf_ha_leader", {name}).set(0);
  std::lock_guard<std::mutex> guard{mtx_};
  auto& st = component(name);
  record({name, {}, st.status.epoch, to_string(cause), unix_millis(), 0});
  st.status.leader.clear();
  st.status.since_ms = 0;
  st.lost_at = clock::now();
  st.lost_cause = to_string(cause);
}

void node_monitor::blob_bytes_in(uint64_t n) {
  metrics_.get_counter("caf_ha_blob_received_bytes_total")
    .inc(static_cast<double>(n));
}

void node_monitor::blob_bytes_out(uint64_t n) {
  metrics_.get_counter("caf_ha_blob_sent_bytes_total")
    .inc(static_cast<double>(n));
}

node_status node_monitor::status() const {
  node_status result;
  result.version = CAF_HA_VERSION;
  result.started_ms = started_ms_;
  result.now_ms = unix_millis();
  result.blob_bytes_in = static_cast<uint64_t>(
    metrics_.get_counter("caf_ha_blob_received_bytes_total").value());
  result.blob_bytes_out = static_cast<uint64_t>(
    metrics_.get_counter("caf_ha_blob_sent_bytes_total").value());
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [name, st] : components_)
    result.components.push_back(st.status);
  result.changes.assign(history_.begin(), history_.end());
  return result;
}

} // namespace ha::ops
