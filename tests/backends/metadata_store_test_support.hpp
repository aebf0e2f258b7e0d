#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <stdlib.h>

#include <catch2/catch.hpp>

#include "caf_ha/backends/grant_authority.hpp"
#include "caf_ha/backends/memory/memory_metadata_store.hpp"
#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/sqlite/sqlite_grants.hpp"
#include "caf_ha/backends/sqlite/sqlite_metadata_store.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_metadata_store.hpp"
#include "caf_ha/messages/errors.hpp"
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

/// A stand-in for the in-process arbiter of the memory stores: grants what
/// the test says, with per-component epochs from 1.
class test_grants : public grant_authority {
public:
  epoch_t grant(const std::string& component) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& st = state_[component];
    st.current = ++st.last;
    return st.last;
  }

  void end(const std::string& component) {
    std::lock_guard<std::mutex> guard{mtx_};
    state_[component].current.reset();
  }

  caf::error run_fenced(const fencing_token& fence,
                        const std::function<caf::error()>& write) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = state_.find(fence.component);
    if (i == state_.end() || fence.epoch == 0 || fence.epoch > i->second.last)
      return never_issued_error(fence);
    if (i->second.current != fence.epoch)
      return not_current_error(fence);
    return write();
  }

private:
  struct component_state {
    epoch_t last = 0;
    std::optional<epoch_t> current;
  };

  std::mutex mtx_;
  std::map<std::string, component_state> state_;
};

/// Opens instances of one backend ("memory", "sqlite" or "zookeeper") that
/// share one cluster's metadata: one `memory_metadata`, one file in a fresh
/// directory, or one root node. `grant` and `end_grant` play the election
/// the way each mode's arbiter records it, so that fences can be tested
/// without electors.
class store_opener {
public:
  explicit store_opener(std::string backend) : backend_(std::move(backend)) {
    memory_->grants = memory_grants_;
  }

  /// Makes a new grant of `component` current (ending the one before) and
  /// returns its epoch.
  epoch_t grant(const std::string& component) {
    if (backend_ == "memory")
      return memory_grants_->grant(component);
    if (backend_ == "sqlite") {
      auto epoch = ++sqlite_epochs_;
      REQUIRE(code_of(sqlite_grants().grant(component, epoch)) == "none");
      return epoch;
    }
    return zk_grant(component);
  }

  /// The current grant of `component` ends; nobody succeeds it.
  void end_grant(const std::string& component) {
    if (backend_ == "memory")
      return memory_grants_->end(component);
    if (backend_ == "sqlite") {
      REQUIRE(code_of(sqlite_grants().release(component)) == "none");
      return;
    }
    auto i = zk_latches_.find(component);
    REQUIRE(i != zk_latches_.end());
    REQUIRE(zk_conn().remove(i->second) == 0);
    zk_latches_.erase(i);
  }

  /// ZooKeeper only: a candidate queued behind the leader; its epoch was
  /// never granted.
  epoch_t zk_queue(const std::string& component) {
    std::string created;
    REQUIRE(zk_conn().create(zk_settings_().latch_path(component)
                               + "/follower-latch-",
                             {}, true, true, &created)
            == 0);
    return *sequence_of(created.substr(created.rfind('/') + 1)) + 1;
  }

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
  zk_settings zk_settings_() const {
    zk_settings settings;
    settings.quorum = zookeeper_quorum();
    settings.session_timeout = std::chrono::milliseconds{4000};
    settings.connection_timeout = std::chrono::milliseconds{5000};
    settings.retry_wait = std::chrono::milliseconds{200};
    settings.root = zk_root_;
    settings.cluster_id = "cluster";
    return settings;
  }

  grant_recorder& sqlite_grants() {
    if (!sqlite_recorder_) {
      auto recorder = open_sqlite_grant_recorder(*prepare_sqlite_database(db_path()));
      REQUIRE(recorder);
      sqlite_recorder_ = std::move(*recorder);
    }
    return *sqlite_recorder_;
  }

  zk_connection& zk_conn() {
    if (!zk_conn_) {
      auto conn = zk_connection::open(zk_settings_());
      REQUIRE(conn);
      zk_conn_ = std::move(*conn);
    }
    return *zk_conn_;
  }

  /// As the ZooKeeper election does: a new lowest latch node, the epoch its
  /// sequence number + 1.
  epoch_t zk_grant(const std::string& component) {
    auto dir = zk_settings_().latch_path(component);
    if (auto i = zk_latches_.find(component); i != zk_latches_.end())
      end_grant(component);
    REQUIRE(zk_conn().ensure_path(dir) == 0);
    std::string created;
    REQUIRE(zk_conn().create(dir + "/leader-latch-", {}, true, true, &created)
            == 0);
    zk_latches_[component] = created;
    return *sequence_of(created.substr(created.rfind('/') + 1)) + 1;
  }

  std::unique_ptr<metadata_store> open_zookeeper() {
    auto store = open_zk_metadata_store(
      zk_settings_(), (dir_.path() / "cluster" / "zk-payloads").string());
    INFO("open_zk_metadata_store: " << (store ? "" : describe(store.error())));
    REQUIRE(store);
    return std::move(*store);
  }

  std::string backend_;
  std::string zk_root_ = unique_zookeeper_root();
  std::shared_ptr<memory_metadata> memory_
    = std::make_shared<memory_metadata>();
  std::shared_ptr<test_grants> memory_grants_
    = std::make_shared<test_grants>();
  std::optional<grant_recorder> sqlite_recorder_;
  epoch_t sqlite_epochs_ = 0;
  std::unique_ptr<zk_connection> zk_conn_;
  /// Per component, the latch node of the current grant.
  std::map<std::string, std::string> zk_latches_;
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
