// The SQLite metadata store (backends/sqlite/) on an arbitrary file at its
// database path: the schema check must refuse what is not a caf-ha database
// of a known version, without changing the file; what it accepts, the store
// must read without crashing, however its rows look.

#include <cstdio>
#include <optional>
#include <string>

#include "caf_ha/backends/sqlite/sqlite_metadata_store.hpp"
#include "caf_ha/messages/errors.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;

namespace {

/// What SQLite leaves beside a database: the previous input's must go.
void remove_side_files(const std::string& path) {
  for (auto suffix : {"-wal", "-shm", "-journal"})
    std::remove((path + suffix).c_str());
}

/// Reads some of everything, the way the store actors do; errors are fine.
void read_all(metadata_store& store) {
  constexpr size_t max_jobs = 8;
  store.job_graph_changes(0);
  store.last_job_graph_change();
  store.job_graphs(std::nullopt, 4);
  std::vector<job_id> jobs;
  if (auto ids = store.job_graph_ids())
    jobs = *ids;
  for (auto clean : {false, true})
    if (auto results = store.job_results(clean))
      for (auto& entry : *results)
        jobs.push_back(entry.id);
  if (jobs.size() > max_jobs)
    jobs.resize(max_jobs);
  for (auto& job : jobs) {
    store.get_job_graph(job);
    store.job_result(job);
    store.get_scheduling_status(job);
    store.checkpoints(job);
    store.counter(job);
  }
  store.reserve_epochs(1);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::scratch_dir dir;
  static bool silenced = (fuzz::silence_logs(), true);
  (void) silenced;
  auto input = fuzz::text(data, size);
  auto path = dir.path("metadata.db");
  remove_side_files(path);
  dir.write("metadata.db", input);
  auto store = open_sqlite_metadata_store(path);
  if (!store) {
    fuzz::expect(is(store.error(), errc::corrupted)
                   || is(store.error(), errc::backend_unavailable),
                 "a refused database is corrupted or unavailable");
    fuzz::expect(fuzz::read_file(path) == input,
                 "a refused database stays as it was");
    return 0;
  }
  read_all(**store);
  return 0;
}
