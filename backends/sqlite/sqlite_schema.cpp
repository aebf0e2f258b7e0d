#include "caf_ha/backends/sqlite/sqlite_schema.hpp"

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <system_error>
#include <thread>

#include <unistd.h>

#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::sqlite {

namespace {

namespace fs = std::filesystem;

/// "caha": marks the file as ours, so that a foreign database is refused.
constexpr int64_t application_id = 0x63616861;

/// Migration i moves the schema from version i to i + 1. Append only: a
/// released step never changes.
constexpr const char* migrations[] = {
  R"sql(
    PRAGMA application_id = 1667328097;
    CREATE TABLE job_graphs(
      job_id BLOB PRIMARY KEY, name TEXT NOT NULL, payload BLOB NOT NULL);
    CREATE TABLE job_graph_metadata(
      job_id BLOB NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY(job_id, key));
    CREATE TABLE job_graph_changes(
      sequence INTEGER PRIMARY KEY AUTOINCREMENT, job_id BLOB NOT NULL,
      added INTEGER NOT NULL, origin INTEGER NOT NULL);
    CREATE TABLE job_results(
      job_id BLOB PRIMARY KEY, status TEXT NOT NULL,
      timestamp_ms INTEGER NOT NULL, clean INTEGER NOT NULL);
    CREATE TABLE scheduling(job_id BLOB PRIMARY KEY, status INTEGER NOT NULL);
    CREATE TABLE checkpoints(
      job_id BLOB NOT NULL, checkpoint_id INTEGER NOT NULL,
      timestamp_ms INTEGER NOT NULL, metadata BLOB NOT NULL,
      PRIMARY KEY(job_id, checkpoint_id));
    CREATE TABLE counters(job_id BLOB PRIMARY KEY, next INTEGER NOT NULL);
    CREATE TABLE fencing(component TEXT PRIMARY KEY, epoch INTEGER NOT NULL);
    CREATE TABLE epochs(
      id INTEGER PRIMARY KEY CHECK (id = 1), high_water INTEGER NOT NULL);
  )sql",
  // Fences check the arbiter's current grant instead of the newest epoch a
  // write carried: per component the last epoch granted and the one held
  // now (NULL while nobody leads).
  R"sql(
    DROP TABLE fencing;
    CREATE TABLE grants(
      component TEXT PRIMARY KEY, last_epoch INTEGER NOT NULL,
      current INTEGER);
  )sql",
};

static_assert(application_id == 1667328097);

caf::error corrupted(const std::string& path, const std::string& why) {
  return make_error(errc::corrupted, "metadata database " + path + ": " + why);
}

int64_t read_int(statement_cache& once, const char* sql) {
  auto query = once(sql);
  return query.step() ? query.int_at(0) : 0;
}

/// An error unless this binary reads or migrates from schema `version`.
/// The version is any 32-bit number a file holds: a negative one would
/// index the migrations before their start.
caf::error check_version(const std::string& path, int64_t version) {
  auto text = "schema version " + std::to_string(version);
  if (version < 0)
    return corrupted(path, text + " is not one caf-ha writes");
  if (version > schema_version())
    return corrupted(path, text + " is newer than this binary's "
                             + std::to_string(schema_version())
                             + "; upgrade caf-ha or use another storageDir");
  return caf::none;
}

/// SQLite's check of every page, and of what it leaves out: an index whose
/// table is missing passes it, yet fails the file once a migration drops a
/// table.
caf::error check_pages(sqlite3* db, const std::string& path) {
  statement_cache once{db};
  auto check = once("PRAGMA quick_check(1)");
  if (check.step() && check.text_at(0) != "ok")
    return corrupted(path, "quick_check: " + check.text_at(0));
  auto orphans = read_int(once, "SELECT count(*) FROM sqlite_master i "
                                "WHERE i.type = 'index' AND NOT EXISTS ("
                                "SELECT 1 FROM sqlite_master t WHERE "
                                "t.type = 'table' AND "
                                "t.name = i.tbl_name COLLATE NOCASE)");
  if (orphans > 0)
    return corrupted(path, "an index of a table that does not exist");
  return caf::none;
}

/// Reads only: nothing may write to a file before it passed. One snapshot,
/// since another process may be creating the schema meanwhile.
caf::error validate(sqlite3* db, const std::string& path, page_check pages,
                    int64_t& version) {
  transaction snapshot{db, transaction::read};
  statement_cache once{db};
  version = read_int(once, "PRAGMA user_version");
  auto app = read_int(once, "PRAGMA application_id");
  if (pages == page_check::scan)
    if (auto err = check_pages(db, path))
      return err;
  auto objects = read_int(once, "SELECT count(*) FROM sqlite_master");
  // SQLite writes whole pages only, and a rollback would pad a torn last
  // page out to a whole one: the file would change though it is refused.
  auto page_size = read_int(once, "PRAGMA page_size");
  std::error_code ec;
  auto bytes = fs::file_size(path, ec);
  if (!ec && page_size > 0 && bytes % static_cast<uint64_t>(page_size) != 0)
    return corrupted(path, "its " + std::to_string(bytes)
                             + " bytes are not a whole number of "
                             + std::to_string(page_size) + "-byte pages");
  if (app != 0 && app != application_id)
    return corrupted(path,
                     "another application's database (application_id "
                       + std::to_string(app) + ")");
  if (version == 0 && objects > 0)
    return corrupted(path, "a SQLite database without caf-ha's schema");
  return check_version(path, version);
}

void use_wal(sqlite3* db) {
  statement_cache once{db};
  auto mode = once("PRAGMA journal_mode = WAL");
  if (!mode.step() || mode.text_at(0) != "wal")
    throw failure{SQLITE_CANTOPEN, "cannot switch to WAL journal mode"};
}

/// Runs the migration from schema `step`. A file whose tables are not what
/// its version says (a table missing, or there already) fails it with a
/// SQL error: corrupted, not unavailable.
caf::error migrate_from(sqlite3* db, const std::string& path, int64_t step) {
  try {
    exec(db, migrations[step]);
    return caf::none;
  } catch (const failure& x) {
    if ((x.code() & 0xff) != SQLITE_ERROR)
      throw;
    return corrupted(path, "schema version " + std::to_string(step)
                             + " does not hold its tables (" + x.what()
                             + ")");
  }
}

/// Under the write lock, as another process may be migrating too.
caf::error migrate(sqlite3* db, const std::string& path) {
  transaction tx{db};
  int64_t version = 0;
  {
    statement_cache once{db};
    version = read_int(once, "PRAGMA user_version");
  }
  if (auto err = check_version(path, version))
    return err;
  if (version == schema_version())
    return caf::none;
  for (auto step = version; step < schema_version(); ++step)
    if (auto err = migrate_from(db, path, step))
      return err;
  auto set_version = "PRAGMA user_version = "
    + std::to_string(schema_version());
  exec(db, set_version.c_str());
  tx.commit();
  if (version == 0)
    logger("store")->info("created metadata database {}", path);
  else
    logger("store")->info("migrated metadata database {} from schema {} to {}",
                          path, version, schema_version());
  return caf::none;
}

caf::error create_parent(const std::string& path) {
  auto parent = fs::path{path}.parent_path();
  std::error_code ec;
  if (!parent.empty())
    fs::create_directories(parent, ec);
  if (ec)
    return make_error(errc::backend_unavailable,
                      "cannot create " + parent.string()
                        + " for the metadata database: " + ec.message());
  return caf::none;
}

} // namespace

int64_t schema_version() {
  return static_cast<int64_t>(std::size(migrations));
}

namespace {

/// One attempt at opening; throws `failure` on SQLite errors.
caf::expected<connection> try_open(const std::string& path,
                                   page_check pages) {
  auto flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  std::error_code ec;
  if (!fs::exists(path, ec))
    flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  auto rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  connection db{raw};
  check(db.get(), rc);
  sqlite3_extended_result_codes(db.get(), 1);
  exec(db.get(), "PRAGMA busy_timeout = 10000");
  int64_t version = 0;
  if (auto err = validate(db.get(), path, pages, version))
    return err;
  exec(db.get(), "PRAGMA synchronous = FULL");
  // Migrating before the switch to WAL, which writes the file's header: a
  // file that fails its migration stays as it was.
  if (version < schema_version())
    if (auto err = migrate(db.get(), path))
      return err;
  use_wal(db.get());
  return db;
}

bool is_busy(const failure& x) {
  auto primary = x.code() & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

} // namespace

caf::expected<connection> open_database(const std::string& path,
                                        page_check pages) {
  if (auto err = create_parent(path))
    return err;
  // Switching a database that another process is creating right now to WAL
  // fails with SQLITE_BUSY without waiting for the busy timeout, so nodes
  // started together retry, until as long as the busy timeout has passed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    try {
      return try_open(path, pages);
    } catch (const failure& x) {
      if (!is_busy(x) || std::chrono::steady_clock::now() >= deadline)
        return to_error(x, path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

namespace {

/// What an operator must fix, for the failures the file system causes;
/// empty for others.
std::string cause_of(const failure& x, const std::string& path) {
  auto primary = x.code() & 0xff;
  auto os = x.system_errno();
  // SQLite keeps the OS error of its last attempt only (opening a WAL
  // database on a read-only file system fails as "unable to open database
  // file" after trying the index read-only): ask the file system itself.
  if (primary == SQLITE_CANTOPEN && ::access(path.c_str(), W_OK) != 0)
    os = errno;
  if (primary == SQLITE_FULL || os == ENOSPC || os == EDQUOT)
    return "the file system is full, writes fail until space is freed";
  if (primary == SQLITE_READONLY || os == EROFS)
    return "the file system is read-only, writes fail until it is "
           "writable again";
  if (primary == SQLITE_IOERR && os != 0)
    return "I/O error: " + std::system_category().message(os);
  return {};
}

} // namespace

caf::error to_error(const failure& x, const std::string& path) {
  auto primary = x.code() & 0xff;
  auto code = primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB
    ? errc::corrupted
    : errc::backend_unavailable;
  auto cause = cause_of(x, path);
  auto what = cause.empty() ? std::string{x.what()}
                            : cause + " (" + x.what() + ")";
  return make_error(code, "metadata database " + path + ": " + what);
}

} // namespace ha::sqlite
