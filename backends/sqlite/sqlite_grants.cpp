#include "caf_ha/backends/sqlite/sqlite_grants.hpp"

#include <memory>
#include <utility>

#include "caf_ha/backends/sqlite/sqlite_ops.hpp"
#include "caf_ha/backends/sqlite/sqlite_schema.hpp"
#include "caf_ha/backends/sqlite/sqlite_statement.hpp"

namespace ha {

namespace {

using sqlite::failure;

/// A connection of the arbiter's, holding to the database the node opened.
struct arbiter_db {
  arbiter_db(storage_identity id, sqlite::connection c)
    : identity(std::move(id)), db(std::move(c)), sql(db.get()) {}

  /// One autocommit statement, while the path names the node's database:
  /// a record in a deleted file must not count.
  template <class Bind>
  caf::error run(const char* statement, Bind bind) {
    auto done = sqlite::attempt_write<bool>(identity, [&] {
      auto stmt = sql(statement);
      bind(stmt);
      stmt.run();
      return true;
    });
    return done ? caf::none : std::move(done.error());
  }

  storage_identity identity;
  sqlite::connection db;
  /// Declared after `db`: its statements are finalized before it closes.
  sqlite::statement_cache sql;
};

caf::expected<std::shared_ptr<arbiter_db>>
open_arbiter_db(const storage_identity& identity) {
  auto conn = sqlite::open_database(identity.path(),
                                    sqlite::page_check::checked);
  if (!conn)
    return std::move(conn.error());
  if (auto err = identity.verify())
    return err;
  return std::make_shared<arbiter_db>(identity, std::move(*conn));
}

} // namespace

caf::expected<grant_recorder>
open_sqlite_grant_recorder(const storage_identity& identity) {
  auto db = open_arbiter_db(identity);
  if (!db)
    return std::move(db.error());
  // Grants are recorded on CAF's scheduler threads, under the arbiter's
  // lock: no fsync per grant. In WAL mode synchronous=NORMAL still commits
  // in order and makes each commit visible to every connection at once, so
  // a store never sees a grant before it exists; a crash of the machine
  // may lose the last few grant records, but the arbiter clears every
  // grant when it starts again, so a lost record was void anyway. Every
  // fenced store write that read a grant commits with synchronous=FULL,
  // which syncs the WAL up to and including that grant.
  try {
    sqlite::exec((*db)->db.get(), "PRAGMA synchronous = NORMAL");
  } catch (const failure& x) {
    return sqlite::to_error(x, identity.path());
  }
  grant_recorder result;
  result.clear = [db = *db] {
    return db->run("UPDATE grants SET current = NULL WHERE current IS NOT NULL",
                   [](auto&) {});
  };
  result.grant = [db = *db](const std::string& component, epoch_t epoch) {
    return db->run("INSERT INTO grants(component, last_epoch, current) "
                   "VALUES(?, ?, ?) ON CONFLICT(component) DO UPDATE SET "
                   "last_epoch = max(last_epoch, excluded.last_epoch), "
                   "current = excluded.current",
                   [&](auto& stmt) {
                     stmt.bind(component).bind(epoch).bind(epoch);
                   });
  };
  result.release = [db = *db](const std::string& component) {
    return db->run("UPDATE grants SET current = NULL WHERE component = ?",
                   [&](auto& stmt) { stmt.bind(component); });
  };
  return result;
}

caf::expected<std::function<caf::expected<epoch_t>(epoch_t count)>>
open_sqlite_epoch_reserver(const storage_identity& identity,
                           std::function<epoch_t()> floor) {
  // synchronous=FULL (the default of `open_database`): an epoch is handed
  // out only once its reservation is on disk.
  auto db = open_arbiter_db(identity);
  if (!db)
    return std::move(db.error());
  return [db = *db, floor = std::move(floor)](epoch_t count) {
    return sqlite::attempt_write<epoch_t>(db->identity, [&] {
      sqlite::transaction tx{db->db.get()};
      auto first = sqlite::reserve_epochs(db->sql, count, floor());
      tx.commit();
      return first;
    });
  };
}

} // namespace ha
