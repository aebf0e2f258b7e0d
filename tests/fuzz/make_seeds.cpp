// Writes the seeds of the targets whose inputs are binary (a SQLite database,
// ZooKeeper nodes, BASP payloads) with the encoders the services use, so that
// they stay true to the formats: `fuzz_make_seeds tests/fuzz/corpus`.

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>

#include "caf_ha/backends/sqlite/sqlite_metadata_store.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/messages/blob_store.hpp"
#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ha_services.hpp"
#include "caf_ha/messages/stores.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream out{file, std::ios::binary | std::ios::trunc};
  out << bytes;
  fuzz::expect(static_cast<bool>(out), "writing a seed");
}

const job_id job = *parse_job_id("0123456789abcdef0123456789abcdef");

const fencing_token fence{"job_manager/0123456789abcdef0123456789abcdef", 3};

// -- sqlite_schema -------------------------------------------------------------

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  fuzz::expect(sqlite3_open(path.c_str(), &db) == SQLITE_OK, "opening a seed");
  auto rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  fuzz::expect(rc == SQLITE_OK, sql.c_str());
}

/// A store holding one record of each kind.
void fill_store(const std::string& path) {
  auto store = open_sqlite_metadata_store(path);
  fuzz::expect(static_cast<bool>(store), "creating the seed database");
  job_graph graph{job, "wordcount", {{"k", "v"}}, {1, 2, 3}};
  job_id other = job;
  other.bytes[0] = 0xff;
  std::vector<write_op> ops{
    put_job_graph_op{graph, {}},
    create_dirty_result_op{{job, "SUCCEEDED", 1700000000000, false}, {}},
    create_dirty_result_op{{other, "FAILED", 1700000000001, false}, {}},
    mark_result_clean_op{other, {}},
    set_scheduling_status_op{job, scheduling_status::running, {}},
    add_checkpoint_op{{job, 1, 1700000000002, {4, 5}}, 2, {}, {}},
    increment_counter_op{job, {}, 0},
  };
  (*store)->apply(ops);
  (*store)->reserve_epochs(3);
}

/// As small as SQLite makes it: 512-byte pages, no WAL.
void compact(const std::string& path) {
  exec(path, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;");
}

void sqlite_seeds(const fs::path& dir) {
  auto scratch = fs::temp_directory_path() / "caf-ha-seeds.db";
  auto copy_as = [&](const char* name) {
    fs::copy_file(scratch, dir / name, fs::copy_options::overwrite_existing);
  };
  write(dir / "empty.db", "");
  fs::remove(scratch);
  fill_store(scratch.string());
  compact(scratch.string());
  copy_as("store.db");
  // Schema 1, before the grants replaced the fencing table: it migrates.
  exec(scratch.string(),
       "DROP TABLE grants; CREATE TABLE fencing(component TEXT PRIMARY KEY, "
       "epoch INTEGER NOT NULL); PRAGMA user_version = 1; VACUUM;");
  copy_as("schema-1.db");
  exec(scratch.string(), "PRAGMA user_version = 99;");
  copy_as("newer-schema.db");
  fs::remove(scratch);
  exec(scratch.string(), "PRAGMA page_size = 512; CREATE TABLE t(x); "
                         "INSERT INTO t VALUES (1);");
  copy_as("foreign.db");
  fs::remove(scratch);
}

// -- zk_codec ------------------------------------------------------------------

void zk_seeds(const fs::path& dir) {
  auto session = *parse_session_id("5d0c0f5e-8a8e-4d55-9d2e-9f7c1a0b6e11");
  write(dir / "leader", encode_leader_info({"master-a:6123", session, 7}));
  job_graph graph{job, "wordcount", {{"k", "v"}}, {}};
  write(dir / "graph", encode_graph_node(graph, "jobgraphs/42"));
  write(dir / "result", encode_result({job, "SUCCEEDED", 1700000000000, true}));
  write(dir / "change", encode_change({0, job, true, 99}));
  completed_checkpoint checkpoint{job, 1, 1700000000000, {}};
  write(dir / "checkpoint",
        encode_checkpoint_node(checkpoint, "checkpoints/" + to_string(job)
                                             + "/7"));
  write(dir / "number", "18446744073709551615");
}

// -- messages ------------------------------------------------------------------

/// The fuzz target's operations, by their first input byte.
enum class mode : char { handshake, direct, monitor, down, down_to_node };

template <class... Ts>
std::string seed(caf::actor_system& sys, mode m, const Ts&... xs) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  fuzz::expect(!sink(const_cast<Ts&>(xs)...), "serializing a seed");
  return std::string(1, static_cast<char>(m)) + std::string{buf.begin(),
                                                            buf.end()};
}

template <class... Ts>
std::string direct(caf::actor_system& sys, Ts... xs) {
  std::vector<caf::strong_actor_ptr> stages;
  return seed(sys, mode::direct, stages, caf::make_message(std::move(xs)...));
}

void message_seeds(const fs::path& dir) {
  fuzz::registered_config cfg;
  caf::actor_system sys{cfg};
  auto peer = *caf::make_node_id(4711, std::string(40, 'b'));
  caf::scoped_actor self{sys};
  auto contender = caf::actor_cast<contender_actor>(self);
  auto session = *parse_session_id("5d0c0f5e-8a8e-4d55-9d2e-9f7c1a0b6e11");
  blob_key key;
  key.hash.fill(0xab);
  job_graph graph{job, "wordcount", {{"k", "v"}}, {1, 2, 3}};
  write(dir / "handshake", seed(sys, mode::handshake, peer));
  write(dir / "monitor", seed(sys, mode::monitor, peer, peer));
  write(dir / "down", seed(sys, mode::down, peer, peer,
                           make_error(errc::closed, "left")));
  write(dir / "down-to-node",
        seed(sys, mode::down_to_node,
             caf::error{caf::exit_reason::user_shutdown}));
  write(dir / "spawn-server-hello",
        direct(sys, caf::sys_atom::value, caf::get_atom::value,
               std::string{"info"}));
  write(dir / "get-elector", direct(sys, caf::get_atom::value,
                                    elector_atom::value,
                                    std::string{"dispatcher"}));
  write(dir / "join", direct(sys, join_atom::value, contender));
  write(dir / "confirm", direct(sys, confirm_atom::value, session,
                                std::string{"master-a:6123"}));
  write(dir / "put-job-graph", direct(sys, caf::put_atom::value, graph, fence));
  write(dir / "create-dirty",
        direct(sys, create_dirty_atom::value,
               job_result_entry{job, "FAILED", 1700000000000, false}, fence));
  write(dir / "add-checkpoint",
        direct(sys, caf::add_atom::value,
               completed_checkpoint{job, 1, 1700000000000, {7}}, uint32_t{2},
               fence));
  write(dir / "shutdown", direct(sys, shutdown_atom::value, job,
                                 job_status::finished, fence));
  write(dir / "upload", direct(sys, upload_atom::value, job,
                               blob_type::transient));
  write(dir / "upload-chunk", direct(sys, upload_chunk_atom::value,
                                     uint64_t{1}, std::vector<uint8_t>(64, 9)));
  write(dir / "read-chunk", direct(sys, read_chunk_atom::value, job, key,
                                   uint64_t{0}, uint32_t{1024}));
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 1;
  }
  fs::path corpus{argv[1]};
  fuzz::silence_logs();
  sqlite_seeds(corpus / "sqlite_schema");
  zk_seeds(corpus / "zk_codec");
  message_seeds(corpus / "messages");
}
