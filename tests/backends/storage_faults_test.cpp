// Storage that disappears under a running node: the identity check that
// refuses writes into a deleted or replaced database or blob directory,
// epochs that keep growing when the database is lost, and the start-up
// sweep of temporary files that interrupted uploads leave behind.

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "caf_ha/backends/file/file_blob_storage.hpp"
#include "caf_ha/backends/storage_identity.hpp"
#include "tests/backends/metadata_store_test_support.hpp"

using namespace ha;
using namespace ha::test;

namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path) {
  std::ofstream{path} << "x";
}

/// Deletes the database and its WAL and index as `rm -rf` would.
void delete_database(const std::string& path) {
  for (auto suffix : {"", "-wal", "-shm"})
    fs::remove(path + suffix);
}

} // namespace

TEST_CASE("storage identity: the same path passes, a deleted or replaced "
          "one is refused with one line naming path and inodes",
          "[disk]") {
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  touch(path);
  auto id = storage_identity::of(path);
  REQUIRE(id);
  CHECK(code_of(id->verify()) == "none");
  // Another file under the same name, made while the first still existed,
  // so that it cannot have the first one's inode.
  touch(dir.path() / "other");
  fs::rename(dir.path() / "other", path);
  auto replaced = id->verify();
  CHECK(code_of(replaced) == "backend_unavailable");
  CHECK_THAT(describe(replaced), Catch::Contains(path)
                                   && Catch::Contains("now inode")
                                   && Catch::Contains("writes refused"));
  CHECK(describe(replaced).find('\n') == std::string::npos);
  fs::remove(path);
  auto missing = id->verify();
  CHECK(code_of(missing) == "backend_unavailable");
  CHECK_THAT(describe(missing), Catch::Contains("now missing"));
  CHECK(code_of(storage_identity::of((dir.path() / "none").string()).error())
        == "backend_unavailable");
}

TEST_CASE("sqlite store: writes into a deleted database are refused, reads "
          "go on, and a new connection to its replacement is refused",
          "[disk]") {
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  auto db = prepare_sqlite_database(path);
  REQUIRE(db);
  auto store = open_sqlite_metadata_store(*db);
  REQUIRE(store);
  auto& s = **store;
  REQUIRE(code_of(apply_op(s, put_job_graph_op{make_graph(1), {}})) == "none");
  delete_database(path);
  auto refused = apply_op(s, put_job_graph_op{make_graph(2), {}});
  CHECK(code_of(refused) == "backend_unavailable");
  CHECK_THAT(describe(refused), Catch::Contains("deleted or replaced"));
  CHECK(code_of(s.reserve_epochs(1).error()) == "backend_unavailable");
  CHECK(code_of(s.clear()) == "backend_unavailable");
  CHECK(has_graph(s, 1));
  CHECK_FALSE(has_graph(s, 2));
  // Another database appears under the path: still not the node's.
  REQUIRE(prepare_sqlite_database(path));
  CHECK(code_of(apply_op(s, put_job_graph_op{make_graph(3), {}}))
        == "backend_unavailable");
  auto late = open_sqlite_metadata_store(*db);
  REQUIRE_FALSE(late);
  CHECK(code_of(late.error()) == "backend_unavailable");
}

TEST_CASE("sqlite arbiter: no grant is recorded and no epoch reserved in a "
          "deleted database, and epochs stay above the floor when the "
          "database is recreated",
          "[disk]") {
  temp_dir dir;
  auto path = (dir.path() / "metadata.db").string();
  auto db = prepare_sqlite_database(path);
  REQUIRE(db);
  epoch_t floor = 1000;
  auto reserve = open_sqlite_epoch_reserver(*db, [&] { return floor; });
  REQUIRE(reserve);
  auto grants = open_sqlite_grant_recorder(*db);
  REQUIRE(grants);
  auto first = (*reserve)(10);
  REQUIRE(first);
  CHECK(*first == 1001);
  // The stored high-water mark wins over a floor below it.
  floor = 5;
  CHECK(*(*reserve)(1) == 1011);
  CHECK(code_of(grants->grant("rest", *first)) == "none");
  delete_database(path);
  CHECK(code_of(grants->grant("rest", *first + 1)) == "backend_unavailable");
  CHECK(code_of(grants->release("rest")) == "backend_unavailable");
  CHECK(code_of((*reserve)(1).error()) == "backend_unavailable");
  // A fresh database starts at the floor: with the clock as floor, above
  // every epoch of the lost one.
  floor = 2000;
  auto fresh = prepare_sqlite_database(path);
  REQUIRE(fresh);
  auto again = open_sqlite_epoch_reserver(*fresh, [&] { return floor; });
  REQUIRE(again);
  CHECK(*(*again)(1) == 2001);
}

TEST_CASE("blob sweep: temporary files of dead writers go, live writers' "
          "files and committed blobs stay",
          "[disk]") {
  temp_dir dir;
  auto root = dir.path() / "blob";
  auto job = root / "job_00";
  file_blob_storage files;
  REQUIRE(code_of(files.make_dirs(job.string())) == "none");
  touch(job / ".tmp-0123456789abcdef");
  touch(job / "blob_p-committed");
  touch(root / ".tmp-not-in-a-job-dir");
  auto live = files.create(job.string());
  REQUIRE(live);
  auto live_path = (*live)->path();
  auto removed = remove_abandoned_temporary_files(root.string());
  REQUIRE(removed);
  CHECK(*removed == 1);
  CHECK_FALSE(fs::exists(job / ".tmp-0123456789abcdef"));
  CHECK(fs::exists(job / "blob_p-committed"));
  CHECK(fs::exists(root / ".tmp-not-in-a-job-dir"));
  CHECK(fs::exists(live_path));
  (*live)->abort();
  CHECK(*remove_abandoned_temporary_files((dir.path() / "none").string())
        == 0);
}
