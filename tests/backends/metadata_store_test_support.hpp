#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <stdlib.h>

#include <catch2/catch.hpp>

#include "backends/memory/memory_metadata_store.hpp"
#include "backends/metadata_store.hpp"
#include "backends/sqlite/sqlite_metadata_store.hpp"
#include "backends/zookeeper/zk_metadata_store.hpp"
#include "messages/errors.hpp"
#include "tests/support/zookeeper_server.hpp"

namespace ha::test {

/// A fresh directory under the temp directory, removed with everything in
/// it at scope exit.
class temp_dir {
public:
  temp_dir() {
    auto pattern
      = (std::filesystem::temp_directory_path() / "caf-ha-store-XXXXXX")
          .string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }

  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const {
    return path_;
  }

private:
  std::filesystem::path path_;
};

/// Opens instances of one backend ("memory" or "sqlite") that share one
/// cluster's metadata: one `memory_metadata`, or one file in a fresh
/// directory.
class store_opener {
public:
  explicit store_opener(std::string backend) : backend_(std::move(backend)) {}

  std::unique_ptr<metadata_store> open() {
    if (backend_ == "memory")
      return open_memory_metadata_store(memory_);
    if (backend_ == "zookeeper")
      return open_zookeeper();
    auto store = open_sqlite_metadata_store(db_path());
    REQUIRE(store);
    return std::move(*store);
  }

  const std::string& backend() const {
    return backend_;
  }

  std::string db_path() const {
    return (dir_.path() / "cluster" / "metadata.db").string();
  }

private:
  /// Each opener has its own root node on the shared test server.
  std::unique_ptr<metadata_store> open_zookeeper() {
    zk_settings settings;
    settings.quorum = zookeeper_quorum();
    settings.session_timeout = std::chrono::milliseconds{4000};
    settings.connection_timeout = std::chrono::milliseconds{5000};
    settings.retry_wait = std::chrono::milliseconds{200};
    settings.root = zk_root_;
    settings.cluster_id = "cluster";
    auto store = open_zk_metadata_store(
      settings, (dir_.path() / "cluster" / "zk-payloads").string());
    INFO("open_zk_metadata_store: " << (store ? "" : describe(store.error())));
    REQUIRE(store);
    return std::move(*store);
  }

  std::string backend_;
  std::string zk_root_ = unique_zookeeper_root();
  std::shared_ptr<memory_metadata> memory_
    = std::make_shared<memory_metadata>();
  temp_dir dir_;
};

inline job_id make_job(uint8_t n) {
  job_id id;
  id.bytes.fill(0xa0);
  id.bytes[15] = n;
  return id;
}

inline fencing_token fence(const std::string& component, epoch_t epoch) {
  return {component, epoch};
}

/// The error's errc name ("none" for no error), so that a failed CHECK
/// shows what came back.
inline std::string code_of(const caf::error& err) {
  if (!err)
    return "none";
  if (err.category() != error_category)
    return describe(err);
  return to_string(static_cast<errc>(err.code()));
}

/// The error's errc name and message, so that a failed CHECK shows both.
inline std::string text_of(const caf::error& err) {
  return code_of(err) + ": " + describe(err);
}

/// Applies `op` alone; `op` receives its out fields.
template<class Op>
caf::error apply_one(metadata_store& store, Op& op) {
  std::vector<write_op> ops{op};
  auto errors = store.apply(ops);
  REQUIRE(errors.size() == 1);
  op = std::get<Op>(ops[0]);
  return errors[0];
}

/// As `apply_one`, for an op whose out fields do not matter.
template<class Op>
caf::error apply_op(metadata_store& store, Op op) {
  return apply_one(store, op);
}

/// Runs the calling test case once per backend: "memory", "sqlite", then
/// "zookeeper".
inline std::string each_backend() {
  return GENERATE(as<std::string>{}, "memory", "sqlite", "zookeeper");
}

inline job_graph make_graph(uint8_t n, const std::string& name = "word count") {
  return {make_job(n),
          name,
          {{"owner", "ops"}, {"tier", "gold"}},
          {0x00, 0x01, 0xff, static_cast<uint8_t>(n)}};
}

inline completed_checkpoint make_checkpoint(uint8_t job, uint64_t id) {
  return {make_job(job),
          id,
          static_cast<int64_t>(1000 + id),
          {static_cast<uint8_t>(id), 0x00, 0x7f}};
}

inline std::vector<uint64_t>
ids_of(const std::vector<completed_checkpoint>& xs) {
  std::vector<uint64_t> result;
  for (auto& x : xs)
    result.push_back(x.checkpoint_id);
  return result;
}

inline std::vector<uint64_t> retained_ids(metadata_store& store, uint8_t job) {
  auto retained = store.checkpoints(make_job(job));
  REQUIRE(retained);
  return ids_of(*retained);
}

inline uint64_t next_id(metadata_store& store, uint8_t job) {
  increment_counter_op op{make_job(job), {}};
  REQUIRE(code_of(apply_one(store, op)) == "none");
  return op.value;
}

inline bool has_graph(metadata_store& store, uint8_t n) {
  return static_cast<bool>(store.get_job_graph(make_job(n)));
}

inline bool has_result(metadata_store& store, uint8_t n) {
  auto entry = store.job_result(make_job(n));
  REQUIRE(entry);
  return entry->has_value();
}

inline std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

} // namespace ha::test
