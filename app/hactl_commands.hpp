#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "app/hactl_output.hpp"
#include "app/process_signals.hpp"
#include "messages/ha_services.hpp"

namespace ha::app {

/// What every hactl command works with.
struct hactl_context {
  caf::actor_system& sys;
  ha_services_actor root;
  printer& out;
  completion& done;
};

/// Exit codes of hactl.
enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_timeout = 2,
};

int leader_get(hactl_context& ctx, const std::string& component);

int leader_watch(hactl_context& ctx, const std::string& component,
                 std::optional<int> count,
                 std::optional<std::chrono::milliseconds> timeout);

int contend(hactl_context& ctx, const std::string& component,
            const std::string& address,
            std::optional<std::chrono::milliseconds> resign_after);

/// Prints `hactl: <what>` on stderr and returns `code`.
int fail(const std::string& what, int code = exit_failure);

/// Waits for the command's end: its actors calling `done.finish`, a
/// termination signal (exit_ok) or the timeout (exit_timeout, reported).
int await_completion(hactl_context& ctx,
                     std::optional<std::chrono::milliseconds> timeout,
                     const std::string& waiting_for);

} // namespace ha::app
