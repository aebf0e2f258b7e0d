#include "caf_ha/backends/sqlite/sqlite_statement.hpp"

#include <algorithm>

namespace ha::sqlite {

void check(sqlite3* db, int rc) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
    return;
  // A failed open leaves no usable handle message in some cases.
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  auto primary = rc & 0xff;
  auto io = primary == SQLITE_IOERR || primary == SQLITE_FULL
            || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY;
  throw failure{rc, message, io && db != nullptr ? sqlite3_system_errno(db) : 0};
}

void exec(sqlite3* db, const char* sql) {
  check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr));
}

statement::~statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

statement& statement::bind(int64_t x) {
  check(sqlite3_db_handle(stmt_),
        sqlite3_bind_int64(stmt_, next_parameter_++, x));
  return *this;
}

statement& statement::bind(uint64_t x) {
  // Stored as the same 64 bits; ids and epochs stay far below 2^63.
  return bind(static_cast<int64_t>(x));
}

statement& statement::bind(const std::string& x) {
  check(sqlite3_db_handle(stmt_),
        sqlite3_bind_text(stmt_, next_parameter_++, x.data(),
                          static_cast<int>(x.size()), SQLITE_TRANSIENT));
  return *this;
}

statement& statement::bind(const std::vector<uint8_t>& x) {
  // A null pointer would bind NULL instead of an empty blob.
  static const uint8_t empty = 0;
  const void* data = x.empty() ? &empty : x.data();
  check(sqlite3_db_handle(stmt_),
        sqlite3_bind_blob(stmt_, next_parameter_++, data,
                          static_cast<int>(x.size()), SQLITE_TRANSIENT));
  return *this;
}

statement& statement::bind(const job_id& x) {
  check(sqlite3_db_handle(stmt_),
        sqlite3_bind_blob(stmt_, next_parameter_++, x.bytes.data(),
                          static_cast<int>(x.bytes.size()), SQLITE_TRANSIENT));
  return *this;
}

bool statement::step() {
  auto rc = sqlite3_step(stmt_);
  check(sqlite3_db_handle(stmt_), rc);
  return rc == SQLITE_ROW;
}

int statement::run() {
  // Run for its effect: rows it may yield anyway are skipped.
  while (step()) {
  }
  return sqlite3_changes(sqlite3_db_handle(stmt_));
}

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t statement::int_at(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

uint64_t statement::uint_at(int column) const {
  return static_cast<uint64_t>(int_at(column));
}

std::string statement::text_at(int column) const {
  auto data = sqlite3_column_text(stmt_, column);
  auto size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(data),
                     static_cast<size_t>(size));
}

std::vector<uint8_t> statement::blob_at(int column) const {
  auto data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  auto size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr)
    return {};
  return std::vector<uint8_t>(data, data + size);
}

job_id statement::job_at(int column) const {
  auto bytes = blob_at(column);
  job_id result;
  if (bytes.size() != result.bytes.size())
    throw failure{SQLITE_CORRUPT,
                  "a stored job id has " + std::to_string(bytes.size())
                    + " bytes instead of 16"};
  std::copy(bytes.begin(), bytes.end(), result.bytes.begin());
  return result;
}

statement_cache::~statement_cache() {
  for (auto& entry : statements_)
    sqlite3_finalize(entry.second);
}

statement statement_cache::operator()(const char* sql) {
  auto i = statements_.find(sql);
  if (i == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    check(db_,
          sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                             nullptr));
    i = statements_.emplace(sql, stmt).first;
  }
  return statement{i->second};
}

transaction::transaction(sqlite3* db, kind mode) : db_(db) {
  exec(db_, mode == write ? "BEGIN IMMEDIATE" : "BEGIN");
}

transaction::transaction(statement_cache& cache, kind mode)
  : db_(cache.db()), cache_(&cache) {
  cache(mode == write ? "BEGIN IMMEDIATE" : "BEGIN").run();
}

transaction::~transaction() {
  // SQLite may have rolled back by itself already (I/O error, full disk).
  if (!done_ && sqlite3_get_autocommit(db_) == 0)
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void transaction::commit() {
  if (cache_)
    (*cache_)("COMMIT").run();
  else
    exec(db_, "COMMIT");
  done_ = true;
}

} // namespace ha::sqlite
