#pragma once

// hactl processes following one ha-node's election of `dispatcher`: a
// watcher and contenders, with the failure detection options of the
// failure tests (tests/support/cluster.hpp).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cluster.hpp"

namespace ha::test {

/// The address contender `i` confirms its grants with.
std::string contender_address(size_t i);

class election_cluster {
public:
  /// Says how to start the process `who` (-1: the watcher, else a
  /// contender's index), e.g. inside a network namespace; empty: directly.
  using launcher_fn = std::function<std::vector<std::string>(int who)>;

  /// Starts the watcher and `contender_count` contenders against
  /// `endpoint` and waits until all joined and the first leader confirmed.
  election_cluster(std::string endpoint, size_t contender_count,
                   launcher_fn launcher = {});

  /// Starts `hactl <failure detection options> <args...>`.
  std::unique_ptr<child_process> start(const std::vector<std::string>& args,
                                       int who = -1) const;

  /// Waits until the watcher reports a leader with a higher epoch than the
  /// current one (every grant has one, in sqlite mode also across
  /// restarts) and its hactl reports the confirmation, which it returns.
  nlohmann::json await_new_leader(std::chrono::milliseconds timeout = 10s);

  child_process& watcher() {
    return *watcher_;
  }

  child_process& contender(size_t i) {
    return *contenders_.at(i);
  }

  size_t size() const {
    return contenders_.size();
  }

  /// The index of the contender that leads now.
  size_t leader_index() const {
    return leader_index_;
  }

  uint64_t leader_epoch() const {
    return leader_epoch_;
  }

private:
  size_t index_of(const std::string& address) const;

  std::string endpoint_;
  launcher_fn launcher_;
  std::unique_ptr<child_process> watcher_;
  std::vector<std::unique_ptr<child_process>> contenders_;
  uint64_t leader_epoch_ = 0;
  size_t leader_index_ = 0;
};

} // namespace ha::test
