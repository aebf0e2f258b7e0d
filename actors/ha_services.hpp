#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/messages/ha_services.hpp"

namespace ha {

class config;

namespace ops {
class node_monitor;
} // namespace ops

/// Starts the services of the configured mode in this process and returns
/// their root. Fails with invalid_config or not_available (naming the mode)
/// when the mode cannot run here. The root quits on `close`; its services
/// quit with it.
caf::expected<ha_services_actor> make_services(caf::actor_system& sys,
                                               const config& cfg);

/// As above; the services report their metrics and status into `monitor`
/// (actors/ops/node_monitor.hpp), which the caller may expose, e.g. with
/// `ops::serve_http` (actors/ops/http_endpoint.hpp).
caf::expected<ha_services_actor>
make_services(caf::actor_system& sys, const config& cfg,
              std::shared_ptr<ops::node_monitor> monitor);

/// Connects to the root published by an ha-node, over mutual TLS if `sys`
/// was configured by `apply_tls_settings` (actors/net/tls.hpp). Fails with
/// backend_unavailable naming the address when nobody answers there or the
/// TLS handshake fails. Blocks the calling thread until then: call it from
/// main or another plain thread, never inside an actor. Masters want
/// `connect_link` (actors/client/services_link.hpp), which reconnects.
caf::expected<ha_services_actor> connect(caf::actor_system& sys,
                                         const std::string& host,
                                         uint16_t port);

} // namespace ha
