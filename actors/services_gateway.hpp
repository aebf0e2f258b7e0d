#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/messages/ha_services.hpp"

namespace ha {

class config;

/// What remote peers get instead of the services root: the same protocol,
/// forwarded to the root, except that `close` and `cleanup` need the admin
/// secret. With no secret configured they are refused from every peer.
/// Secrets are compared in constant time and never logged. The gateway
/// quits with the root.
ha_services_actor spawn_services_gateway(caf::actor_system& sys,
                                         ha_services_actor root,
                                         std::optional<std::string> secret);

/// Publishes the services of `root` for remote peers on `ha.node.host` and
/// `ha.node.port`, the way ha-node does: through a gateway
/// (`spawn_services_gateway`, with the secret of `ha.admin.secret-file`),
/// over mutual TLS or guarded plain TCP (actors/net/peer_guard.hpp) as `sys` was
/// configured. Refuses a non-loopback address without TLS unless
/// `ha.node.allow-plaintext` is true. Removes the actors CAF registers by
/// name (its configuration and spawn servers), which any peer could
/// otherwise message. Returns the port and the gateway (to unpublish).
struct published_services {
  uint16_t port = 0;
  ha_services_actor gateway;
};

caf::expected<published_services>
publish_services(caf::actor_system& sys, const ha_services_actor& root,
                 const config& cfg);

/// invalid_config, naming the keys, if `ha.node.host` is not a loopback
/// address and `sys` speaks plain TCP, unless `ha.node.allow-plaintext`.
caf::error check_listen_address(caf::actor_system& sys, const config& cfg);

/// True for addresses only this host can reach: 127.0.0.0/8, ::1 and
/// `localhost`.
bool is_loopback(const std::string& host);

} // namespace ha
