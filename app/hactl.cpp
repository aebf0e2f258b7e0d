// hactl: the operator's client. Talks to a running ha-node (--connect) or
// embeds the services itself from a configuration (--config).

#include <algorithm>
#include <csignal>
#include <iostream>
#include <limits>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/actors/client/services_link.hpp"
#include "app/hactl_blobs.hpp"
#include "app/hactl_commands.hpp"
#include "app/hactl_replay.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/actors/net/system_setup.hpp"
#include "caf_ha/config/secret_file.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/metadata.hpp"

namespace ha::app {

CLI::Validator integer_check(uint64_t min, uint64_t max) {
  auto range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
    [min, max, range](std::string& text) -> std::string {
      if (auto value = parse_decimal(text, max); value && *value >= min)
        return {};
      return "expected an integer from " + range + ", got "
             + ha::quoted(text);
    },
    "INT " + range);
}

CLI::Validator positive_int_check() {
  return integer_check(1, std::numeric_limits<int>::max());
}

void example(CLI::App* cmd, const std::string& command_line) {
  cmd->footer("Example:\n  " + command_line);
}

int fail(const std::string& what, int code) {
  std::cerr << "hactl: " << what << std::endl;
  return code;
}

int await_completion(hactl_context& ctx,
                     std::optional<std::chrono::milliseconds> timeout,
                     const std::string& waiting_for) {
  auto sig = wait_for_signal(timeout);
  if (sig == 0)
    return fail("timeout after " + std::to_string(timeout->count())
                  + " ms waiting for " + waiting_for,
                exit_timeout);
  if (sig == SIGUSR1)
    return ctx.done.exit_code().value_or(exit_failure);
  return exit_ok;
}

} // namespace ha::app

namespace {

using namespace ha::app;

struct hactl_args {
  std::string connect;
  std::string config_file;
  std::vector<std::string> overrides;
  bool json = false;
};

/// Splits HOST:PORT (HOST may be a bracketed IPv6 address).
std::optional<std::pair<std::string, uint16_t>>
parse_endpoint(const std::string& str) {
  auto colon = str.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == str.size())
    return std::nullopt;
  auto host = str.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_str = str.substr(colon + 1);
  if (port_str.find_first_not_of("0123456789") != std::string::npos
      || port_str.size() > 5)
    return std::nullopt;
  auto port = std::stoi(port_str);
  if (port < 1 || port > 65535)
    return std::nullopt;
  return std::make_pair(host, static_cast<uint16_t>(port));
}

/// The root; `args.connect`, if given, is a valid endpoint.
caf::expected<ha::ha_services_actor> open_root(caf::actor_system& sys,
                                               const hactl_args& args,
                                               const ha::config& cfg) {
  if (!args.connect.empty()) {
    auto endpoint = parse_endpoint(args.connect);
    return ha::connect(sys, endpoint->first, endpoint->second);
  }
  return ha::make_services(sys, cfg);
}

/// The deepest sub-command the command line chose (`app` if none).
const CLI::App* chosen_command(const CLI::App& app) {
  auto cmd = &app;
  for (auto chosen = cmd->get_subcommands(); !chosen.empty();
       chosen = cmd->get_subcommands())
    cmd = chosen.front();
  return cmd;
}

/// `hactl jobs put` for the command `cmd`.
std::string command_path(const CLI::App* cmd) {
  std::string path;
  for (; cmd != nullptr; cmd = cmd->get_parent())
    path = (cmd->get_parent() ? cmd->get_name() : "hactl")
           + (path.empty() ? "" : " " + path);
  return path;
}

/// `--help` prints the help (exit 0); any other parse error is one line
/// naming the option and what is allowed, instead of CLI11's two lines.
int parse_error(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
    return app.exit(e);
  auto cmd = chosen_command(app);
  auto path = command_path(cmd);
  std::string what = e.what();
  std::replace(what.begin(), what.end(), '\n', ' ');
  if (what == "A subcommand is required") {
    // `jobs: ...`; the line starts with `hactl: ` already.
    what = (cmd->get_parent() ? path.substr(path.find(' ') + 1) + ": " : "")
           + "a sub-command is required, one of:";
    for (auto sub : cmd->get_subcommands({}))
      what += " " + sub->get_name();
  }
  return usage(what + " (see " + path + " --help)");
}

/// Follows the connection `root` came from, so that long-running commands
/// (contend, leader watch) survive a restart of ha-node.
ha::services_link_actor connect_link(caf::actor_system& sys,
                                     const hactl_args& args,
                                     const ha::config& cfg,
                                     ha::ha_services_actor root) {
  auto endpoint = parse_endpoint(args.connect);
  ha::services_link_config link_cfg{endpoint->first, endpoint->second,
                                    ha::reconnect_policy_from(cfg),
                                    std::move(root)};
  return ha::spawn_services_link(sys, std::move(link_cfg));
}

} // namespace

int main(int argc, char** argv) {
  block_signals();
  spdlog::set_level(spdlog::level::warn);
  spdlog::cfg::load_env_levels();
  hactl_args args;
  CLI::App app{"hactl: the command-line client of the HA services"};
  app.fallthrough();
  auto conn = app.add_option("--connect", args.connect,
                             "HOST:PORT of a running ha-node");
  auto file = app.add_option("--config", args.config_file,
                             "embed the services from this YAML file");
  conn->excludes(file);
  app.add_option("-D", args.overrides, "override a key: -D key=value");
  app.add_flag("--json", args.json, "one JSON object per line");
  app.require_subcommand(1);
  hactl_action action;
  std::function<int()> standalone;
  add_replay_command(app, standalone);
  add_election_commands(app, action);
  add_store_commands(app, action);
  add_status_command(app, action);
  add_blob_commands(app, action, [](hactl_context& ctx) {
    return ask<ha::blob_store_actor>(ctx, ctx.root, caf::get_atom::value,
                                     ha::blobs_atom::value);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_error(app, e);
  }
  if (standalone)
    return standalone();
  if (args.connect.empty() && args.config_file.empty())
    return usage("one of --connect HOST:PORT or --config FILE is required");
  if (!args.connect.empty() && !parse_endpoint(args.connect))
    return usage("--connect: expected HOST:PORT with a port from 1 to 65535, "
                 "got "
                 + ha::quoted(args.connect));
  // With --connect, only the -D overrides (network settings) apply.
  auto cfg = ha::config::load(args.config_file, args.overrides);
  if (!cfg)
    return fail(ha::describe(cfg.error()));
  caf::actor_system_config sys_cfg;
  if (auto err = ha::configure_actor_system(sys_cfg, *cfg))
    return fail(ha::describe(err));
  caf::actor_system sys{sys_cfg};
  auto root = open_root(sys, args, *cfg);
  if (!root)
    return fail(ha::describe(root.error()));
  printer out{args.json};
  completion done;
  hactl_context ctx{sys, *root, out, done};
  if (auto& path = cfg->get_string("ha.admin.secret-file"); !path.empty()) {
    auto secret = ha::read_secret_file("ha.admin.secret-file", path);
    if (!secret)
      return fail(ha::describe(secret.error()));
    ctx.admin_secret = std::move(*secret);
  }
  if (!args.connect.empty())
    ctx.link = connect_link(sys, args, *cfg, *root);
  auto code = action ? action(ctx) : fail("no command given");
  if (args.connect.empty())
    caf::anon_send(*root, caf::close_atom::value, std::string{});
  else
    caf::anon_send_exit(ctx.link, caf::exit_reason::user_shutdown);
  return code;
}
