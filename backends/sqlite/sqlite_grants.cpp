#include "caf_ha/backends/sqlite/sqlite_grants.hpp"

#include <memory>
#include <utility>

#include "caf_ha/backends/sqlite/sqlite_schema.hpp"
#include "caf_ha/backends/sqlite/sqlite_statement.hpp"

namespace ha {

namespace {

using sqlite::failure;

struct grant_db {
  grant_db(std::string p, sqlite::connection c)
    : path(std::move(p)), db(std::move(c)), sql(db.get()) {}

  /// One autocommit statement; a failure becomes an error naming the file.
  template <class Bind>
  caf::error run(const char* statement, Bind bind) {
    try {
      auto stmt = sql(statement);
      bind(stmt);
      stmt.run();
      return caf::none;
    } catch (const failure& x) {
      return sqlite::to_error(x, path);
    }
  }

  std::string path;
  sqlite::connection db;
  /// Declared after `db`: its statements are finalized before it closes.
  sqlite::statement_cache sql;
};

} // namespace

caf::expected<grant_recorder>
open_sqlite_grant_recorder(const std::string& db_path) {
  auto conn = sqlite::open_database(db_path);
  if (!conn)
    return std::move(conn.error());
  // Grants are recorded on CAF's scheduler threads, under the arbiter's
  // lock: no fsync per grant. In WAL mode synchronous=NORMAL still commits
  // in order and makes each commit visible to every connection at once, so
  // a store never sees a grant before it exists; a crash of the machine
  // may lose the last few grant records, but the arbiter clears every
  // grant when it starts again, so a lost record was void anyway. Every
  // fenced store write that read a grant commits with synchronous=FULL,
  // which syncs the WAL up to and including that grant.
  try {
    sqlite::exec(conn->get(), "PRAGMA synchronous = NORMAL");
  } catch (const failure& x) {
    return sqlite::to_error(x, db_path);
  }
  auto db = std::make_shared<grant_db>(db_path, std::move(*conn));
  grant_recorder result;
  result.clear = [db] {
    return db->run("UPDATE grants SET current = NULL WHERE current IS NOT NULL",
                   [](auto&) {});
  };
  result.grant = [db](const std::string& component, epoch_t epoch) {
    return db->run("INSERT INTO grants(component, last_epoch, current) "
                   "VALUES(?, ?, ?) ON CONFLICT(component) DO UPDATE SET "
                   "last_epoch = max(last_epoch, excluded.last_epoch), "
                   "current = excluded.current",
                   [&](auto& stmt) {
                     stmt.bind(component).bind(epoch).bind(epoch);
                   });
  };
  result.release = [db](const std::string& component) {
    return db->run("UPDATE grants SET current = NULL WHERE component = ?",
                   [&](auto& stmt) { stmt.bind(component); });
  };
  return result;
}

} // namespace ha
