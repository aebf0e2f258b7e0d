#pragma once

// What the store commands of hactl share: argument parsing, file I/O and
// the pattern "get the store from the root, ask it, print the answer".

#include <fstream>
#include <iterator>
#include <limits>
#include <memory>

#include "app/hactl_commands.hpp"

namespace ha::app {

/// Every option of the store commands; each command reads what it needs.
struct store_args {
  std::string job;
  std::string file;
  std::string out;
  std::string name;
  std::string status = "SUCCEEDED";
  std::string fence;
  bool dirty_only = false;
  bool clean_only = false;
  bool yes = false;
  uint64_t checkpoint_id = 0;
  uint64_t count_value = 0;
  uint32_t retain = 1;
  std::optional<int> count;
  std::optional<int> timeout_ms;
};

using args_ptr = std::shared_ptr<store_args>;

/// `--fence COMPONENT:EPOCH`; empty means unfenced. Strict: a component
/// (either case of hex in a job manager's, stored canonical), then decimal
/// digits without sign, whitespace or leading zeros, within uint64.
inline caf::expected<fencing_token> fence_arg(const std::string& str) {
  if (str.empty())
    return fencing_token{};
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_argument,
                      "invalid --fence " + quoted(str) + ": " + why);
  };
  auto colon = str.rfind(':');
  if (colon == std::string::npos)
    return bad("expected COMPONENT:EPOCH");
  auto component = component::canonical(str.substr(0, colon));
  if (!component)
    return bad(describe(component.error()));
  auto epoch = parse_decimal(str.substr(colon + 1),
                             std::numeric_limits<epoch_t>::max());
  if (!epoch)
    return bad("the epoch must be decimal digits without sign or leading "
               "zeros, at most "
               + std::to_string(std::numeric_limits<epoch_t>::max()));
  return fencing_token{std::move(*component), *epoch};
}

/// A record's payload from `path`, at most `limit` bytes: a larger file is
/// refused before it is read (ha-node's peer guard would otherwise drop the
/// connection), an unreadable one names the path and the cause.
caf::expected<std::vector<uint8_t>> read_file(const std::string& path,
                                              size_t limit);

inline caf::error write_file(const std::string& path,
                      const std::vector<uint8_t>& bytes) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out)
    return make_error(errc::backend_unavailable,
                      "cannot write file '" + path + "'");
  return caf::none;
}

/// The store behind `which`, then `f(store)`; reports any error.
template <class Handle, class Atom, class F>
int with_store(hactl_context& ctx, Atom which, F f) {
  auto store = ask<Handle>(ctx, ctx.root, caf::get_atom::value, which);
  if (!store)
    return fail(describe(store.error()));
  return f(*store);
}

/// Parses the job id and fence, then runs `f(job, fence)`; a bad one is a
/// usage error.
template <class F>
int with_job(const store_args& a, F f) {
  auto job = job_arg(a.job);
  if (!job)
    return usage(describe(job.error()));
  auto fence = fence_arg(a.fence);
  if (!fence)
    return usage(describe(fence.error()));
  return f(*job, *fence);
}

/// Adds a subcommand that runs `run(ctx, args)`, with `example` in its help.
template <class Run>
CLI::App* command(CLI::App* parent, const char* name, const char* help,
                  const std::string& example_line, hactl_action& action,
                  args_ptr args, Run run) {
  auto cmd = parent->add_subcommand(name, help);
  example(cmd, example_line);
  cmd->callback([&action, args, run] {
    action = [args, run](hactl_context& ctx) { return run(ctx, *args); };
  });
  return cmd;
}

inline void add_fence(CLI::App* cmd, args_ptr args) {
  cmd->add_option("--fence", args->fence,
                  "fence the write with COMPONENT:EPOCH");
}

/// Registers `jobs put|get|list|remove|watch`.
void add_job_commands(CLI::App& app, hactl_action& action, args_ptr args);

} // namespace ha::app
