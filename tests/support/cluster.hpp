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

  /// Starts an ha-node with `args` and the storage directory `dir`,
  /// through `launcher` if given (e.g. `ip netns exec NAME`).
  running_node(std::vector<std::string> args, const std::string& dir,
               std::vector<std::string> launcher = {});

  /// Only starts the process: `await_listening` must follow (to start
  /// several nodes at the same moment).
  struct deferred_t {};
  static constexpr deferred_t deferred{};
  running_node(std::vector<std::string> args, const std::string& dir,
               std::vector<std::string> launcher, deferred_t);

  /// Waits for the first line and sets `endpoint`; fails the test if the
  /// node does not listen within 10 s.
  void await_listening();

  /// The port in `endpoint`, to restart a node on the same port.
  std::string port() const;
};

/// Starts `hactl --connect <endpoint> --json <args...>`, through
/// `launcher` if given.
std::unique_ptr<child_process> hactl(const std::string& endpoint,
                                     std::vector<std::string> args,
                                     std::vector<std::string> launcher = {});

/// Heartbeats of the failure tests: short, so that a hung peer is noticed
/// within about a second.
constexpr auto heartbeat_interval = 100ms;
constexpr auto heartbeat_timeout = 1000ms;

/// `-D` options for ha-node and hactl with the heartbeats above and a quick
/// reconnection (50 ms doubling up to 500 ms).
std::vector<std::string> failure_detection_options();

/// `x` with `y` appended.
std::vector<std::string> append(std::vector<std::string> x,
                                const std::vector<std::string>& y);

/// How a process run to its end finished.
struct outcome {
  int exit_code;
  std::string stderr_text;
};

/// Runs `argv` to its end; fails the test if it takes longer than
/// `timeout`. Its stdout must stay small (nobody reads it before the end).
outcome run_to_end(std::vector<std::string> argv,
                   std::chrono::milliseconds timeout = 20s);

/// Reads lines of `proc` until each of `texts` has been in one of them, in
/// any order; fails the test if that takes longer than `timeout` (or 500
/// lines).
void await_lines(child_process& proc, std::vector<std::string> texts,
                 std::chrono::milliseconds timeout = 15s);

/// The job id 0...0<n> in hex, as hactl takes it.
std::string job_hex(int n);

/// Runs `hactl --connect <endpoint> --json <args...>` to the end and
/// returns its JSON lines; fails the test on a non-zero exit.
std::vector<nlohmann::json> hactl_lines(const std::string& endpoint,
                                        std::vector<std::string> args);

/// The next stdout line of `proc` as JSON; fails the test on timeout or on
/// a line that is not JSON.
nlohmann::json next_event(child_process& proc,
                          std::chrono::milliseconds timeout = 10s);

/// The next event of `proc` named `name`, skipping others; fails the test
/// when none comes within `timeout`.
nlohmann::json await_event(child_process& proc, const std::string& name,
                           std::chrono::milliseconds timeout = 10s);

/// Milliseconds since the Unix epoch, comparable with hactl's `ts_ms`.
int64_t now_ms();

} // namespace ha::test
