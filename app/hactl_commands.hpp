#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "app/hactl_output.hpp"
#include "app/process_signals.hpp"
#include "caf_ha/actors/client/request_watch.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ha_services.hpp"
#include "caf_ha/messages/services_link.hpp"

namespace ha::app {

/// What every hactl command works with.
struct hactl_context {
  caf::actor_system& sys;
  ha_services_actor root;
  printer& out;
  completion& done;
  /// With --connect: the connection to ha-node, which reconnects after the
  /// node is lost; null when the services are embedded.
  services_link_actor link = {};
  /// The secret of `ha.admin.secret-file` (empty without one), which a
  /// remote node wants for `cleanup-all`.
  std::string admin_secret = {};
};

/// The command chosen on the command line, set by its CLI11 callback.
using hactl_action = std::function<int(hactl_context&)>;

/// Exit codes of hactl (README, "hactl").
enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_timeout = 2,
  /// A command line hactl refuses before doing anything (EX_USAGE).
  exit_usage = 64,
};

constexpr auto request_timeout = std::chrono::seconds(30);

/// Registers `leader get|watch` and `contend`.
void add_election_commands(CLI::App& app, hactl_action& action);

/// Registers `jobs`, `results`, `registry`, `checkpoints`, `counter` and
/// `cleanup-all`.
void add_store_commands(CLI::App& app, hactl_action& action);

/// Registers `status`.
void add_status_command(CLI::App& app, hactl_action& action);

/// Prints `hactl: <what>` on stderr and returns `code`.
int fail(const std::string& what, int code = exit_failure);

/// Prints `hactl: <what>` on stderr and returns exit_usage.
inline int usage(const std::string& what) {
  return fail(what, exit_usage);
}

/// A CLI11 check for an integer option: decimal digits in [min, max], else
/// `expected an integer from MIN to MAX, got 'TEXT'` (CLI11 puts the
/// option's name in front).
CLI::Validator integer_check(uint64_t min, uint64_t max);

/// 1..2^31-1: counts and milliseconds.
CLI::Validator positive_int_check();

/// A job id from the command line, or invalid_argument naming it.
inline caf::expected<job_id> job_arg(const std::string& str) {
  if (auto id = parse_job_id(str))
    return *id;
  return make_error(errc::invalid_argument,
                    "invalid job id " + ha::quoted(str)
                      + ": expected 32 hex digits");
}

/// Sets the `--help` footer of `cmd` to `Example:` and `command_line`.
void example(CLI::App* cmd, const std::string& command_line);

/// Waits for the command's end: its actors calling `done.finish`, a
/// termination signal (exit_ok) or the timeout (exit_timeout, reported).
int await_completion(hactl_context& ctx,
                     std::optional<std::chrono::milliseconds> timeout,
                     const std::string& waiting_for);

/// Sends a request and waits for the single answer; fails at once when the
/// connection to ha-node is lost.
template <class R, class Handle, class... Ts>
caf::expected<R> ask(hactl_context& ctx, const Handle& dest, Ts&&... xs) {
  caf::scoped_actor self{ctx.sys};
  return watched_request<R>(self, dest, request_timeout,
                            std::forward<Ts>(xs)...);
}

/// Runs `print(answer)` on success, or reports the error; the exit code.
template <class R, class F>
int answer(caf::expected<R> x, F print) {
  if (!x)
    return fail(describe(x.error()));
  print(*x);
  return exit_ok;
}

} // namespace ha::app
