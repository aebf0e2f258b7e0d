#pragma once

// What the ZooKeeper backend tests share: one process's backend in
// ZooKeeper mode, and what its election and retrieval drivers report to a
// scoped actor, as one line each.

#include <chrono>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/backends/factory.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_election.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace ha::test {

using namespace std::chrono_literals;

struct zk_test_config : caf::actor_system_config {
  zk_test_config() {
    register_types(*this);
  }
};

/// One process's backend in ZooKeeper mode, as `make_backend` builds it.
struct zk_process {
  zk_process(const std::string& quorum, const std::string& root,
             const temp_dir& storage, std::vector<std::string> more = {}) {
    std::vector<std::string> overrides{
      "high-availability=zookeeper",
      "high-availability.storageDir=" + storage.str(),
      "high-availability.zookeeper.quorum=" + quorum,
      "high-availability.zookeeper.path.root=" + root,
      // No test here waits for a timeout to expire a session; a long
      // one keeps a loaded machine from losing sessions by itself.
      "high-availability.zookeeper.client.session-timeout=20000",
      "high-availability.zookeeper.client.connection-timeout=5000",
      "high-availability.zookeeper.client.retry-wait=100"};
    overrides.insert(overrides.end(), more.begin(), more.end());
    auto cfg = config::load("", overrides);
    REQUIRE(cfg);
    auto made = make_backend(*cfg);
    INFO("make_backend: " << (made ? "" : describe(made.error())));
    REQUIRE(made);
    be = std::move(*made);
  }

  zk_connection& connection() {
    auto election = std::dynamic_pointer_cast<zk_election>(be.election);
    REQUIRE(election);
    return *election->connection();
  }

  std::shared_ptr<metadata_store> open_store() {
    auto store = be.open_metadata();
    REQUIRE(store);
    return *store;
  }

  backend be;
};

/// What an elector or a listener was told, as one line.
inline std::string next_report(caf::scoped_actor& self) {
  std::string result;
  self->receive(
    [&](granted_atom, uint64_t, epoch_t epoch) {
      result = "granted " + std::to_string(epoch);
    },
    [&](revoked_atom, uint64_t) { result = "revoked"; },
    [&](driver_error_atom, const caf::error& err) {
      result = "driver_error " + describe(err);
    },
    [&](resign_atom, uint64_t candidate) {
      result = "resign " + std::to_string(candidate);
    },
    [&](transfer_atom, uint64_t, const caf::error& err) {
      result = err ? "transfer " + describe(err) : "transfer ok";
    },
    [&](leader_atom, const std::string&, const leader_info& info) {
      result = "leader " + info.address;
    },
    [&](retrieval_error_atom, const std::string&, const caf::error& err) {
      result = "retrieval_error " + describe(err);
    },
    caf::after(20s) >> [&] { result = "timeout"; });
  return result;
}

/// The first report starting with `prefix`, skipping at most a few others.
inline std::string await_report(caf::scoped_actor& self, const std::string& prefix) {
  for (int i = 0; i < 8; ++i) {
    auto report = next_report(self);
    if (report.compare(0, prefix.size(), prefix) == 0 || report == "timeout")
      return report;
  }
  return "no " + prefix;
}

inline epoch_t await_grant(caf::scoped_actor& events) {
  auto report = await_report(events, "granted ");
  REQUIRE(report.compare(0, 8, "granted ") == 0);
  return std::stoull(report.substr(8));
}

/// Creates the dirty result of job 3c...3c<job> with `fence`.
inline caf::error write_fenced_result(metadata_store& store,
                                      const fencing_token& fence,
                                      uint8_t job) {
  job_result_entry entry;
  entry.id.bytes.fill(0x3c);
  entry.id.bytes[15] = job;
  entry.status = "FAILED";
  std::vector<write_op> ops{create_dirty_result_op{entry, fence}};
  return store.apply(ops).front();
}

} // namespace ha::test
