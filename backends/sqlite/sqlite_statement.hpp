#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>

#include "caf_ha/messages/ids.hpp"

namespace ha::sqlite {

/// A SQLite call that failed. Thrown only inside the SQLite backend and
/// caught at the `metadata_store` interface, which turns it into an error
/// value: it spares checking each of a transaction's many steps by hand.
class failure : public std::runtime_error {
public:
  failure(int code, const std::string& what, int system_errno = 0)
    : std::runtime_error(what), code_(code), system_errno_(system_errno) {}

  /// The (extended) SQLite result code.
  int code() const {
    return code_;
  }

  /// The OS error behind an I/O failure (ENOSPC, EROFS, ...), else 0.
  int system_errno() const {
    return system_errno_;
  }

private:
  int code_;
  int system_errno_;
};

/// Throws `failure` with the connection's message unless `rc` is SQLITE_OK,
/// SQLITE_ROW or SQLITE_DONE.
void check(sqlite3* db, int rc);

/// Runs SQL that returns nothing worth reading (pragmas, schema, BEGIN).
void exec(sqlite3* db, const char* sql);

/// One use of a prepared statement: bind parameters in order, step, read
/// columns. Resets the statement when it goes out of scope, so that no
/// read transaction outlives it and later reads see newer writes.
class statement {
public:
  explicit statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}

  ~statement();

  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int64_t x);
  statement& bind(uint64_t x);
  statement& bind(const std::string& x);
  statement& bind(const std::vector<uint8_t>& x);
  statement& bind(const job_id& x);

  /// True while there is a row to read.
  bool step();

  /// Runs a statement that returns no rows; returns the rows it changed.
  int run();

  bool is_null(int column) const;
  int64_t int_at(int column) const;
  uint64_t uint_at(int column) const;
  std::string text_at(int column) const;
  std::vector<uint8_t> blob_at(int column) const;
  /// Throws a SQLITE_CORRUPT failure unless the column holds 16 bytes.
  job_id job_at(int column) const;

private:
  sqlite3_stmt* stmt_;
  int next_parameter_ = 1;
};

/// The statements of one connection, each prepared once, keyed by the
/// address of its SQL text: every caller passes a string literal.
class statement_cache {
public:
  explicit statement_cache(sqlite3* db) : db_(db) {}

  ~statement_cache();

  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;

  statement operator()(const char* sql);

  sqlite3* db() const {
    return db_;
  }

private:
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

/// A transaction; rolls back unless committed. A write transaction begins
/// IMMEDIATE: it takes the write lock at once (waiting up to the busy
/// timeout), so that what it reads cannot change under it, even from
/// another process. A read transaction gives several reads one snapshot.
class transaction {
public:
  enum kind { read, write };

  explicit transaction(sqlite3* db, kind mode = write);

  /// The same with BEGIN and COMMIT from `cache`, prepared once.
  explicit transaction(statement_cache& cache, kind mode = write);

  ~transaction();

  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  void commit();

private:
  sqlite3* db_;
  statement_cache* cache_ = nullptr;
  bool done_ = false;
};

} // namespace ha::sqlite
