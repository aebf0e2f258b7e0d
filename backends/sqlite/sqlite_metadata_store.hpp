#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/metadata_store.hpp"

namespace ha {

/// A `metadata_store` on the SQLite database at `db_path` (the factory uses
/// `<storageDir>/<cluster-id>/metadata.db`), with a connection of its own:
/// several instances, in one or several processes, share the file. WAL
/// with synchronous=FULL; each `apply` is one transaction, one fsync.
/// Creates the file and its directories if absent. Fails with
/// errc::corrupted naming the file, which stays untouched, for garbage,
/// another application's database or a schema newer than this binary's;
/// with backend_unavailable when the file cannot be opened.
caf::expected<std::unique_ptr<metadata_store>>
open_sqlite_metadata_store(const std::string& db_path);

} // namespace ha
