#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/storage_identity.hpp"

namespace ha {

/// Opens the SQLite database at `db_path` once (creating the file and its
/// directories if absent, migrating an older schema) and returns the
/// identity of the file, which every connection of this process then holds
/// to. Fails like `open_sqlite_metadata_store`.
caf::expected<storage_identity>
prepare_sqlite_database(const std::string& db_path);

/// A `metadata_store` on the SQLite database `db` (the factory uses
/// `<storageDir>/<cluster-id>/metadata.db`), with a connection of its own:
/// several instances, in one or several processes, share the file. WAL
/// with synchronous=FULL; each `apply` is one transaction, one fsync.
/// Every write checks before and after its transaction that the path still
/// names the file `db` identifies: a write into a deleted or replaced
/// database is refused (backend_unavailable), never acknowledged. Fails
/// with errc::corrupted naming the file, which stays untouched, for
/// garbage, another application's database or a schema newer than this
/// binary's; with backend_unavailable when the file cannot be opened or is
/// no longer `db`.
caf::expected<std::unique_ptr<metadata_store>>
open_sqlite_metadata_store(const storage_identity& db);

/// Prepares the database at `db_path` and opens a store on it.
caf::expected<std::unique_ptr<metadata_store>>
open_sqlite_metadata_store(const std::string& db_path);

} // namespace ha
