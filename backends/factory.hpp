#pragma once

#include <caf/expected.hpp>

#include "backends/backend.hpp"

namespace ha {

class config;

/// Maps a configuration to its mode's backend. Fails with invalid_config or
/// not_available, naming the mode, for modes it cannot provide.
caf::expected<backend> make_backend(const config& cfg);

} // namespace ha
