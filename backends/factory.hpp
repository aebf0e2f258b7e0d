#pragma once

#include <caf/expected.hpp>

#include <memory>

#include "caf_ha/backends/backend.hpp"
#include "caf_ha/backends/grant_authority.hpp"

namespace ha {

class config;

/// Maps a configuration to its mode's backend. Fails with invalid_config or
/// not_available, naming the mode, for modes it cannot provide.
caf::expected<backend> make_backend(const config& cfg);

/// As `make_backend` for a memory mode (NONE, embedded), with its stores'
/// fences checked against `grants` instead of the mode's own election: the
/// replay of a journal checks them against the recorded elections.
/// invalid_config for the other modes.
caf::expected<backend> make_backend(const config& cfg,
                                    std::shared_ptr<grant_authority> grants);

/// The process's own file system as blob storage: how a blob client reads
/// the file it uploads and writes the file it downloads.
std::shared_ptr<blob_storage> local_file_storage();

} // namespace ha
