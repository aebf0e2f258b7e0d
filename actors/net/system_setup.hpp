#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

#include "caf_ha/actors/net/network.hpp"

namespace ha {

class config;

/// The one call that prepares a process's CAF configuration for caf-ha:
/// loads CAF's middleman (do not load it yourself), registers every caf-ha
/// message type, applies the heartbeat and failure-detection settings of
/// `role` (`ha.heartbeat.*`) and, when `ha.tls.*` is set, mutual TLS.
/// Add the application's own message types afterwards, then create the
/// actor system. Fails with invalid_config naming the key when the TLS
/// settings are incomplete or unreadable.
///
///   caf::actor_system_config sys_cfg;
///   if (auto err = ha::configure_actor_system(sys_cfg, cfg)) { ... }
///   caf::actor_system sys{sys_cfg};
caf::error configure_actor_system(caf::actor_system_config& sys_cfg,
                                  const config& cfg,
                                  network_role role = network_role::client);

} // namespace ha
