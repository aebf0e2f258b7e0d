#pragma once

#include <functional>

#include <caf/expected.hpp>

#include "caf_ha/backends/grant_authority.hpp"
#include "caf_ha/backends/storage_identity.hpp"

namespace ha {

/// The sqlite arbiter's record of its current grants in the `grants` table
/// of the metadata database `db`, on a connection of its own, which the
/// arbiter uses under its lock. Stores read the table in the write
/// transaction of every fenced write. A record made while the path no
/// longer names `db` fails (backend_unavailable), so that no grant is
/// issued that only a deleted file remembers.
caf::expected<grant_recorder>
open_sqlite_grant_recorder(const storage_identity& db);

/// The sqlite arbiter's epochs: blocks reserved durably in the database
/// `db`, on a connection of its own, each starting above both the stored
/// high-water mark and `floor()`. With the wall clock as floor, epochs keep
/// growing even when the database is lost and recreated. Fails like the
/// grant recorder when the path no longer names `db`.
caf::expected<std::function<caf::expected<epoch_t>(epoch_t count)>>
open_sqlite_epoch_reserver(const storage_identity& db,
                           std::function<epoch_t()> floor);

} // namespace ha
