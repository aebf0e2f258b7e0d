// What backends/sqlite adds to the metadata_store contract: durability
// across reopening, several connections on one file, and refusing files it
// must not touch.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "caf_ha/backends/memory/memory_election.hpp"
#include "tests/backends/metadata_store_test_support.hpp"

using namespace ha;
using namespace ha::test;

namespace fs = std::filesystem;

namespace {

/// Runs SQL on the file through a connection of its own, as an operator's
/// sqlite3 shell would.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  auto rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  INFO((message != nullptr ? message : "ok"));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

int64_t query_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  auto result = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (auto& entry : fs::directory_iterator{dir})
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void write_file(const std::string& path, const std::vector<char>& bytes) {
  fs::create_directories(fs::path{path}.parent_path());
  std::ofstream out{path, std::ios::binary};
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<char> random_bytes(size_t n, bool sqlite_magic) {
  std::mt19937 gen{42};
  std::vector<char> bytes(n);
  for (auto& x : bytes)
    x = static_cast<char>(gen());
  if (sqlite_magic) {
    std::string magic{"SQLite format 3", 16};
    std::copy(magic.begin(), magic.end(), bytes.begin());
  }
  return bytes;
}

/// Opening `path` fails as corrupted naming the file, which stays as it
/// was, with no file created next to it.
void check_refused(const std::string& path, const std::string& why) {
  auto dir = fs::path{path}.parent_path();
  auto before = file_bytes(path);
  auto files = files_in(dir);
  auto store = open_sqlite_metadata_store(path);
  REQUIRE(!store);
  CHECK(code_of(store.error()) == "corrupted");
  CHECK_THAT(describe(store.error()),
             Catch::Contains(path) && Catch::Contains(why));
  CHECK(file_bytes(path) == before);
  CHECK(files_in(dir) == files);
}

} // namespace

TEST_CASE("sqlite: every record and the reserved epochs survive closing and "
          "reopening the database",
          "[metadata_store]") {
  store_opener opener{"sqlite"};
  auto store = opener.open();
  auto graph = make_graph(1);
  auto epoch = opener.grant("dispatcher");
  std::vector<write_op> ops{
    put_job_graph_op{graph, fence("dispatcher", epoch)},
    create_dirty_result_op{{make_job(2), "FAILED", 77, false}, {}},
    set_scheduling_status_op{make_job(1), scheduling_status::running, {}},
    add_checkpoint_op{make_checkpoint(1, 4), 2, {}, {}},
    set_counter_op{make_job(1), 9, {}},
  };
  for (auto& err : store->apply(ops))
    REQUIRE(code_of(err) == "none");
  auto origin = store->origin();
  auto epochs = *store->reserve_epochs(100);
  store.reset();
  store = opener.open();
  auto read = store->get_job_graph(graph.id);
  REQUIRE(read);
  CHECK(read->name == graph.name);
  CHECK(read->metadata == graph.metadata);
  CHECK(read->payload == graph.payload);
  CHECK(store->job_result(make_job(2))->value().timestamp_ms == 77);
  CHECK(*store->get_scheduling_status(make_job(1))
        == scheduling_status::running);
  CHECK(retained_ids(*store, 1) == std::vector<uint64_t>{4});
  CHECK(*store->counter(make_job(1)) == 9);
  CHECK(store->job_graph_changes(0)->front().origin == origin);
  // The grant is the arbiter's record, not the connection's.
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 10,
                                                fence("dispatcher", epoch)}))
        == "none");
  CHECK(*store->reserve_epochs(1) == epochs + 100);
}

TEST_CASE("sqlite: two connections incrementing one counter from two threads "
          "never hand out the same id",
          "[metadata_store]") {
  constexpr size_t per_thread = 500;
  store_opener opener{"sqlite"};
  auto first = opener.open();
  auto second = opener.open();
  auto count = [](metadata_store& store, std::vector<uint64_t>& ids) {
    for (size_t i = 0; i < per_thread; ++i) {
      std::vector<write_op> ops{increment_counter_op{make_job(1), {}}};
      auto errors = store.apply(ops);
      if (errors[0])
        return;
      ids.push_back(std::get<increment_counter_op>(ops[0]).value);
    }
  };
  std::vector<uint64_t> first_ids;
  std::vector<uint64_t> second_ids;
  std::thread other{[&] {
    count(*second, second_ids);
  }};
  count(*first, first_ids);
  other.join();
  REQUIRE(first_ids.size() == per_thread);
  REQUIRE(second_ids.size() == per_thread);
  std::set<uint64_t> all{first_ids.begin(), first_ids.end()};
  all.insert(second_ids.begin(), second_ids.end());
  CHECK(all.size() == 2 * per_thread);
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == 2 * per_thread);
  CHECK(*first->counter(make_job(1)) == 2 * per_thread + 1);
}

TEST_CASE("sqlite: a file of garbage bytes is refused as corrupted and left "
          "unchanged",
          "[metadata_store]") {
  auto size = GENERATE(size_t{37}, size_t{4096}, size_t{100000});
  auto sqlite_magic = GENERATE(false, true);
  CAPTURE(size, sqlite_magic);
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  write_file(path, random_bytes(size, sqlite_magic));
  check_refused(path, "");
}

TEST_CASE("sqlite: a database with a newer schema version is refused naming "
          "both versions and left unchanged",
          "[metadata_store]") {
  store_opener opener{"sqlite"};
  opener.open().reset();
  run_sql(opener.db_path(), "PRAGMA user_version = 3");
  check_refused(opener.db_path(),
                "schema version 3 is newer than this "
                "binary's 2");
}

TEST_CASE("sqlite: a database with a negative schema version is refused and "
          "left unchanged",
          "[metadata_store]") {
  // Read as the step to migrate from, it indexed the migrations before
  // their start (found by fuzz_sqlite_schema).
  store_opener opener{"sqlite"};
  opener.open().reset();
  run_sql(opener.db_path(), "PRAGMA user_version = -256");
  check_refused(opener.db_path(), "schema version -256 is not one caf-ha "
                                  "writes");
}

TEST_CASE("sqlite: a database whose tables are not those of its schema "
          "version is refused as corrupted and left unchanged",
          "[metadata_store]") {
  // Schema 1 still had the fencing table its migration drops. The failed
  // migration was reported as backend_unavailable, after the switch to WAL
  // had written the file's header (found by fuzz_sqlite_schema).
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  run_sql(path, "PRAGMA application_id = 1667328097; PRAGMA user_version = 1;"
                "CREATE TABLE job_graphs(job_id BLOB PRIMARY KEY)");
  check_refused(path, "schema version 1 does not hold its tables");
}

TEST_CASE("sqlite: a database with an index of a missing table is refused "
          "as corrupted and left unchanged",
          "[metadata_store]") {
  // quick_check passes such a file; the migration dropping the fencing
  // table then left a schema SQLite itself refuses, after it had written
  // the file (found by fuzz_sqlite_schema).
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  run_sql(path, "PRAGMA application_id = 1667328097; PRAGMA user_version = 1;"
                "CREATE TABLE fencing(component TEXT PRIMARY KEY);"
                "PRAGMA writable_schema = ON;"
                "UPDATE sqlite_master SET tbl_name = 'fen4ing' "
                "WHERE name = 'sqlite_autoindex_fencing_1';");
  check_refused(path, "an index of a table that does not exist");
}

TEST_CASE("sqlite: a database whose last page is torn is refused as "
          "corrupted and left unchanged",
          "[metadata_store]") {
  // Its failed migration rolled back, and the rollback padded the torn page
  // out to a whole one: the refused file had grown (found by
  // fuzz_sqlite_schema).
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  run_sql(path, "PRAGMA application_id = 1667328097; PRAGMA user_version = 1;"
                "CREATE TABLE job_graphs(job_id BLOB PRIMARY KEY)");
  auto whole = fs::file_size(path);
  fs::resize_file(path, whole - 100);
  check_refused(path, "not a whole number of");
}

TEST_CASE("sqlite: another application's SQLite database is refused and left "
          "unchanged",
          "[metadata_store]") {
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  SECTION("one without a schema version") {
    run_sql(path, "CREATE TABLE songs(title TEXT)");
    check_refused(path, "without caf-ha's schema");
  }
  SECTION("one with a foreign application id") {
    run_sql(path,
            "PRAGMA application_id = 42; PRAGMA user_version = 1;"
            "CREATE TABLE songs(title TEXT)");
    check_refused(path, "application_id 42");
  }
}

TEST_CASE("sqlite: a new database gets schema version 2, caf-ha's "
          "application id and WAL mode, in new parent directories",
          "[metadata_store]") {
  temp_dir dir;
  auto path = (dir.path() / "a" / "b" / "metadata.db").string();
  auto store = open_sqlite_metadata_store(path);
  REQUIRE(store);
  store->reset();
  CHECK(query_int(path, "PRAGMA user_version") == 2);
  CHECK(query_int(path, "PRAGMA application_id") == 0x63616861);
  CHECK(query_int(path,
                  "SELECT count(*) FROM pragma_journal_mode "
                  "WHERE journal_mode = 'wal'")
        == 1);
}

TEST_CASE("sqlite: a path that cannot be opened fails as backend_unavailable "
          "naming it",
          "[metadata_store]") {
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  fs::create_directories(path);
  auto store = open_sqlite_metadata_store(path);
  REQUIRE(!store);
  CHECK(code_of(store.error()) == "backend_unavailable");
  CHECK_THAT(describe(store.error()), Catch::Contains(path));
}

TEST_CASE("sqlite: a database failure inside a batch fails every op and "
          "applies none",
          "[metadata_store]") {
  store_opener opener{"sqlite"};
  auto store = opener.open();
  auto epoch = opener.grant("dispatcher");
  run_sql(opener.db_path(),
          "CREATE TRIGGER broken BEFORE INSERT ON job_results "
          "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
  std::vector<write_op> ops{
    put_job_graph_op{make_graph(1), fence("dispatcher", epoch)},
    create_dirty_result_op{{make_job(1), "FAILED", 1, false}, {}},
    increment_counter_op{make_job(1), {}},
  };
  auto errors = store->apply(ops);
  REQUIRE(errors.size() == 3);
  for (auto& err : errors) {
    CHECK(code_of(err) == "backend_unavailable");
    CHECK_THAT(describe(err),
               Catch::Contains("disk on fire")
                 && Catch::Contains(opener.db_path()));
  }
  CHECK(!has_graph(*store, 1));
  CHECK(*store->counter(make_job(1)) == 1);
  run_sql(opener.db_path(), "DROP TRIGGER broken");
  CHECK(code_of(apply_op(
          *store, put_job_graph_op{make_graph(1), fence("dispatcher", epoch)}))
        == "none");
}

TEST_CASE("sqlite: a malformed stored record reads as corrupted naming the "
          "file",
          "[metadata_store]") {
  store_opener opener{"sqlite"};
  auto store = opener.open();
  apply_op(*store, put_job_graph_op{make_graph(1), {}});
  run_sql(opener.db_path(), "UPDATE job_graphs SET job_id = x'0102'");
  auto ids = store->job_graph_ids();
  REQUIRE(!ids);
  CHECK(code_of(ids.error()) == "corrupted");
  CHECK_THAT(describe(ids.error()), Catch::Contains(opener.db_path()));
}

TEST_CASE("sqlite: a database of schema 1 opens, keeps its records and "
          "drops the newest-seen fencing table",
          "[metadata_store]") {
  store_opener opener{"sqlite"};
  fs::create_directories(fs::path{opener.db_path()}.parent_path());
  // Schema 1 as released, with a poisoned newest-seen fence.
  run_sql(opener.db_path(),
          "PRAGMA application_id = 1667328097;"
          "CREATE TABLE job_graphs(job_id BLOB PRIMARY KEY, name TEXT NOT "
          "NULL, payload BLOB NOT NULL);"
          "CREATE TABLE job_graph_metadata(job_id BLOB NOT NULL, key TEXT "
          "NOT NULL, value TEXT NOT NULL, PRIMARY KEY(job_id, key));"
          "CREATE TABLE job_graph_changes(sequence INTEGER PRIMARY KEY "
          "AUTOINCREMENT, job_id BLOB NOT NULL, added INTEGER NOT NULL, "
          "origin INTEGER NOT NULL);"
          "CREATE TABLE job_results(job_id BLOB PRIMARY KEY, status TEXT NOT "
          "NULL, timestamp_ms INTEGER NOT NULL, clean INTEGER NOT NULL);"
          "CREATE TABLE scheduling(job_id BLOB PRIMARY KEY, status INTEGER "
          "NOT NULL);"
          "CREATE TABLE checkpoints(job_id BLOB NOT NULL, checkpoint_id "
          "INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, metadata BLOB NOT "
          "NULL, PRIMARY KEY(job_id, checkpoint_id));"
          "CREATE TABLE counters(job_id BLOB PRIMARY KEY, next INTEGER NOT "
          "NULL);"
          "CREATE TABLE fencing(component TEXT PRIMARY KEY, epoch INTEGER NOT "
          "NULL);"
          "CREATE TABLE epochs(id INTEGER PRIMARY KEY CHECK (id = 1), "
          "high_water INTEGER NOT NULL);"
          "INSERT INTO counters VALUES(x'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a001', 9);"
          "INSERT INTO fencing VALUES('dispatcher', 9223372036854775807);"
          "INSERT INTO epochs VALUES(1, 40);"
          "PRAGMA user_version = 1;");
  auto store = opener.open();
  CHECK(query_int(opener.db_path(), "PRAGMA user_version") == 2);
  CHECK(*store->counter(make_job(1)) == 9);
  CHECK(*store->reserve_epochs(1) == 41);
  CHECK(query_int(opener.db_path(),
                  "SELECT count(*) FROM sqlite_master WHERE name = 'fencing'")
        == 0);
  auto epoch = opener.grant("dispatcher");
  CHECK(code_of(apply_op(*store, set_counter_op{make_job(1), 10,
                                                fence("dispatcher", epoch)}))
        == "none");
}

TEST_CASE("sqlite: a starting arbiter voids every grant recorded before",
          "[metadata_store]") {
  store_opener opener{"sqlite"};
  auto store = opener.open();
  auto epoch = opener.grant("dispatcher");
  auto set = [&](uint64_t value) {
    return code_of(apply_op(
      *store, set_counter_op{make_job(1), value, fence("dispatcher", epoch)}));
  };
  CHECK(set(5) == "none");
  auto recorder = open_sqlite_grant_recorder(*prepare_sqlite_database(opener.db_path()));
  REQUIRE(recorder);
  auto arbiter = memory_election::make_durable(
    [&](epoch_t n) { return store->reserve_epochs(n); }, std::move(*recorder));
  REQUIRE(arbiter);
  CHECK(set(6) == "fenced");
  CHECK(*store->counter(make_job(1)) == 5);
}
