#pragma once

#include <caf/actor_system_config.hpp>

namespace ha {

class config;

/// Which side of the CAF network a process is on.
enum class network_role {
  /// ha-node: revokes a contender whose connection stayed silent for
  /// `ha.heartbeat.timeout`.
  node,
  /// A client (hactl, a master process): gives up its connection earlier,
  /// so that a partitioned leader learns it lost the node before the node
  /// grants its successor.
  client,
};

/// Applies the network options (heartbeats, failure detection) to the CAF
/// configuration of a process that talks to the services over the network.
/// Call before creating the actor system.
void apply_network_settings(caf::actor_system_config& sys_cfg,
                            const config& cfg,
                            network_role role = network_role::node);

} // namespace ha
