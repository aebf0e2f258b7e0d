#pragma once
// What a node tells about itself: `get(status)` on the services root.
// Times are milliseconds since the Unix epoch (wall clock); durations are
// milliseconds. Only integers and strings: peers never send floating point.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

namespace ha {

using status_atom = caf::atom_constant<caf::atom("status")>;

/// One component's election as this node sees it.
struct component_status {
  std::string name;
  /// The confirmed leader's address; empty: no leader.
  std::string leader;
  uint64_t epoch = 0;
  /// When the leader confirmed; 0 without a leader.
  int64_t since_ms = 0;
  uint32_t contenders = 0;
  uint32_t listeners = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, component_status& x) {
  return f(caf::meta::type_name("component_status"), x.name, x.leader,
           x.epoch, x.since_ms, x.contenders, x.listeners);
}

/// One event of a component's leadership: a leader confirmed (`leader` set,
/// `cause` of the previous leader's end if there was one) or lost (`leader`
/// empty, `cause` crash, resign, hang or error).
struct leader_change {
  std::string component;
  std::string leader;
  uint64_t epoch = 0;
  std::string cause;
  int64_t at_ms = 0;
  /// For a confirmation after a loss: how long the component had no leader.
  int64_t leaderless_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leader_change& x) {
  return f(caf::meta::type_name("leader_change"), x.component, x.leader,
           x.epoch, x.cause, x.at_ms, x.leaderless_ms);
}

/// The node: its version and start, its components and the last leader
/// changes, oldest first.
struct node_status {
  std::string version;
  int64_t started_ms = 0;
  int64_t now_ms = 0;
  std::vector<component_status> components;
  std::vector<leader_change> changes;
  /// Blob bytes uploaded to and downloaded from this node since it started.
  uint64_t blob_bytes_in = 0;
  uint64_t blob_bytes_out = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.version, x.started_ms,
           x.now_ms, x.components, x.changes, x.blob_bytes_in,
           x.blob_bytes_out);
}

} // namespace ha
