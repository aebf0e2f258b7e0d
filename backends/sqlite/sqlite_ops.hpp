#pragma once

#include <cstdint>

#include <caf/error.hpp>

#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/sqlite/sqlite_statement.hpp"

namespace ha::sqlite {

/// Applies `op` inside the caller's write transaction: canonicalizes and
/// checks its fence against the arbiter's `grants`, then writes. Returns
/// the op's own error (fenced, already_exists,
/// not_found, invalid_argument) before writing anything; throws `failure`
/// when the database fails. `origin` marks the job graph change log.
caf::error run_op(statement_cache& sql, write_op& op, uint64_t origin);

/// Reserves `count` epochs, none of them below `floor`, inside the caller's
/// write transaction; returns the first. Throws `failure`.
epoch_t reserve_epochs(statement_cache& sql, epoch_t count, epoch_t floor);

} // namespace ha::sqlite
