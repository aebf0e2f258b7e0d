#pragma once
// The HTTP endpoint of a node for operators: `/metrics` (Prometheus text
// exposition of a node_monitor's registry), `/status.json` (the cluster at
// a glance, actors/ops/cluster_status.hpp) and `/`, a status page that
// shows the latter and refreshes itself. Read-only: only GET and HEAD, no
// request body, nothing that changes a service. Served by cpp-httplib on
// its own threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/messages/ha_services.hpp"

namespace ha::ops {

class node_monitor;

/// The JSON of `/status.json`, made on demand, or why it cannot be.
using status_source = std::function<caf::expected<std::string>()>;

/// `to_json(collect_status(root))`, asked from the serving thread. `sys`
/// must outlive every endpoint serving it.
status_source status_of(caf::actor_system& sys, ha_services_actor root);

class http_endpoint {
public:
  /// Listens on `host`:`port` (0 picks a free port) and serves until
  /// destroyed. Fails with backend_unavailable naming the address.
  static caf::expected<std::unique_ptr<http_endpoint>>
  start(const std::string& host, uint16_t port,
        std::shared_ptr<node_monitor> monitor, status_source status);

  ~http_endpoint();

  uint16_t port() const;

  struct impl;

private:
  explicit http_endpoint(std::unique_ptr<impl> ptr);
  std::unique_ptr<impl> impl_;
};

} // namespace ha::ops
