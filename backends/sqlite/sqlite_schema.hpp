#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <sqlite3.h>

#include "caf_ha/backends/sqlite/sqlite_statement.hpp"
#include "caf_ha/backends/storage_identity.hpp"

namespace ha::sqlite {

struct close_connection {
  void operator()(sqlite3* db) const {
    sqlite3_close_v2(db);
  }
};

using connection = std::unique_ptr<sqlite3, close_connection>;

/// The schema version (`PRAGMA user_version`) this binary writes.
int64_t schema_version();

/// Opens the metadata database at `path`, creating it and its parent
/// directories if absent. An existing file is read and checked before
/// anything writes to it: garbage, another application's database or a
/// schema newer than this binary's fail with errc::corrupted naming the
/// file, and the file stays as it was. An older schema migrates forward.
/// `checked` skips the scan of every page (`PRAGMA quick_check`) for a file
/// this process opened and checked before: a caller passes it only with a
/// storage_identity that proves the file is still that one.
enum class page_check { scan, checked };
caf::expected<connection> open_database(const std::string& path,
                                        page_check pages = page_check::scan);

/// The error for `x` on the database at `path`: corrupted for a damaged
/// file, backend_unavailable for everything else (I/O, locks, full disk).
caf::error to_error(const failure& x, const std::string& path);

/// Runs `f` (returning caf::expected<T>) on the database at `path`, turning
/// a `failure` into an error naming the file.
template <class T, class F>
caf::expected<T> attempt(const std::string& path, F f) {
  try {
    return f();
  } catch (const failure& x) {
    return to_error(x, path);
  }
}

/// `attempt` for a write, run only while the path still names the database
/// `db` identifies: checked before (a lost file fails fast) and after (a
/// write that landed in a file deleted meanwhile is not acknowledged).
template <class T, class F>
caf::expected<T> attempt_write(const storage_identity& db, F f) {
  if (auto err = db.verify())
    return err;
  auto result = attempt<T>(db.path(), f);
  if (auto err = db.verify())
    return err;
  return result;
}

} // namespace ha::sqlite
