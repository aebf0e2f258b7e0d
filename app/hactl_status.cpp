// hactl status: the cluster at a glance (actors/ops/cluster_status.hpp).

#include <iostream>

#include "app/hactl_commands.hpp"
#include "caf_ha/actors/ops/cluster_status.hpp"

namespace ha::app {

namespace {

int status(hactl_context& ctx) {
  caf::scoped_actor self{ctx.sys};
  auto status = ops::collect_status(self, ctx.root, request_timeout);
  if (!status)
    return fail(describe(status.error()));
  if (ctx.out.json()) {
    for (auto& line : ops::to_json_lines(*status))
      std::cout << line << '\n';
    std::cout.flush();
  } else {
    std::cout << ops::to_table(*status) << std::flush;
  }
  return exit_ok;
}

} // namespace

void add_status_command(CLI::App& app, hactl_action& action) {
  auto cmd = app.add_subcommand(
    "status", "the cluster at a glance: mode, node, leaders, jobs, blobs and "
              "the last leader changes");
  example(cmd, "hactl --connect 127.0.0.1:4242 status");
  cmd->callback([&action] { action = status; });
}

} // namespace ha::app
