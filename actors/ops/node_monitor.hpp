#pragma once
// What one node's services report about themselves: their metrics (a
// registry, see actors/ops/metrics.hpp) and the status of each component's
// election with a short history of leader changes. The services root makes
// one and hands it to every service it spawns, as it does the journal;
// `get(status)` and the metrics endpoint read it. Thread-safe.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "caf_ha/actors/ops/metrics.hpp"
#include "caf_ha/messages/status.hpp"

namespace ha::ops {

/// Why a component's leader lost its grant.
enum class revoke_cause {
  /// The contender terminated in a process still connected.
  crash,
  /// It resigned or left the election.
  resign,
  /// Its process's connection broke or stayed silent past
  /// `ha.heartbeat.timeout`: the process died, hung or was cut off. CAF
  /// 0.17 reports all of these alike, as the remote link unreachable.
  connection_lost,
  /// The backend took the grant (session loss, another grant).
  error,
};

const char* to_string(revoke_cause x);

class node_monitor {
public:
  /// How many leader changes `status()` keeps, over all components.
  static constexpr size_t history_size = 64;

  node_monitor();

  registry& metrics() {
    return metrics_;
  }

  // -- elections (the elector and retriever of `component`) -------------

  /// An elector or retriever of `component` started or stopped. Once none
  /// runs and no leader is known, the component and its series are
  /// forgotten: peers name components, so they must not pile up.
  void service_started(const std::string& component);
  void service_stopped(const std::string& component);

  void contenders(const std::string& component, size_t count);
  void listeners(const std::string& component, size_t count);
  void granted(const std::string& component, uint64_t epoch);
  void confirmed(const std::string& component, const std::string& address,
                 uint64_t epoch);
  /// The holder of the grant lost it; `was_confirmed`: it led.
  void revoked(const std::string& component, revoke_cause cause,
               bool was_confirmed);

  // -- blobs -------------------------------------------------------------

  void blob_bytes_in(uint64_t n);
  void blob_bytes_out(uint64_t n);

  /// The node's facts for `get(status)`.
  node_status status() const;

private:
  using clock = std::chrono::steady_clock;

  struct component_state {
    component_status status;
    /// When the last leader was lost, if none confirmed since.
    std::optional<clock::time_point> lost_at;
    std::string lost_cause;
    /// Electors and retrievers of the component running now.
    int services = 0;
  };

  component_state& component(const std::string& name);
  void record(leader_change change);

  /// Mutable: reading a series may create it.
  mutable registry metrics_;
  int64_t started_ms_;
  mutable std::mutex mtx_;
  std::map<std::string, component_state> components_;
  std::deque<leader_change> history_;
};

/// Wall-clock milliseconds since the Unix epoch.
int64_t unix_millis();

} // namespace ha::ops
