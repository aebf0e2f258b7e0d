#pragma once

#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/grant_authority.hpp"

namespace ha {

/// The sqlite arbiter's record of its current grants in the `grants` table
/// of the metadata database at `db_path`, on a connection of its own, which
/// the arbiter uses under its lock. Stores read the table in the write
/// transaction of every fenced write.
caf::expected<grant_recorder>
open_sqlite_grant_recorder(const std::string& db_path);

} // namespace ha
