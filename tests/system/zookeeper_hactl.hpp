#pragma once

// What the zookeeper system tests share: hactl embedding the services from
// a zk.yaml (no ha-node anywhere in this mode).

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace ha::test {

/// Starts `hactl --config <config> --json <args...>`.
inline std::unique_ptr<child_process> hactl_zk(const std::string& config,
                                               std::vector<std::string> args) {
  std::vector<std::string> argv{binary("hactl"), "--config", config, "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<child_process>(argv);
}

} // namespace ha::test
