#pragma once

#include <caf/actor_system_config.hpp>

namespace ha {

/// Registers every message type and the error category of the protocol.
/// Call it on each actor_system_config that talks to the services.
void register_types(caf::actor_system_config& cfg);

} // namespace ha
