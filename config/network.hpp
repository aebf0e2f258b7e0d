#pragma once

#include <caf/actor_system_config.hpp>

namespace ha {

class config;

/// Applies the network options (heartbeats, failure detection) to the CAF
/// configuration of a process that talks to the services over the network.
/// Call before creating the actor system.
void apply_network_settings(caf::actor_system_config& sys_cfg,
                            const config& cfg);

} // namespace ha
