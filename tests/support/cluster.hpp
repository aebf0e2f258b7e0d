#pragma once

// Helpers of the multi-process tests: an ha-node on a free loopback port
// and hactl processes talking to it, with their JSON output parsed.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace ha::test {

using namespace std::chrono_literals;

/// An ha-node started with `args` (by default its own mode, sqlite, in a
/// fresh storage directory), listening on a port it picked itself.
struct running_node {
  temp_dir storage;
  std::unique_ptr<child_process> process;
  std::string endpoint; // 127.0.0.1:PORT

  explicit running_node(std::vector<std::string> args = {});

  /// Starts an ha-node with `args` and the storage directory `dir`.
  running_node(std::vector<std::string> args, const std::string& dir);
};

/// Starts `hactl --connect <endpoint> --json <args...>`.
std::unique_ptr<child_process> hactl(const std::string& endpoint,
                                     std::vector<std::string> args);

/// The next stdout line of `proc` as JSON; fails the test on timeout or on
/// a line that is not JSON.
nlohmann::json next_event(child_process& proc,
                          std::chrono::milliseconds timeout = 10s);

} // namespace ha::test
