// hostile_peer --connect HOST:PORT [-D key=value]... ATTACK [--name value]...
//
// Connects to an ha-node like hactl does (plain TCP, or mutual TLS with the
// `ha.tls.*` overrides), runs one attack and prints one JSON line:
// {"attack": ..., "outcome": ..., ...}. Exit 0 if the attack could be run,
// 1 otherwise (with one line on stderr).

#include <iostream>
#include <stdexcept>

#include <caf/actor_system_config.hpp>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/actors/net/system_setup.hpp"
#include "tests/support/hostile_peer/hostile_peer.hpp"

namespace ha::hostile {

std::string attack_context::option(const std::string& name,
                                   const std::string& fallback) const {
  auto i = options.find(name);
  return i == options.end() ? fallback : i->second;
}

std::string code_name(const caf::error& err) {
  if (err.category() == error_category)
    return to_string(static_cast<errc>(err.code()));
  if (err.category() == caf::atom("system"))
    return caf::to_string(static_cast<caf::sec>(err.code()));
  return caf::to_string(err);
}

nlohmann::json verdict(const caf::error& err) {
  if (!err)
    return {{"outcome", "accepted"}};
  return {{"outcome", "refused"},
          {"code", code_name(err)},
          {"error", describe(err)}};
}

bool connection_dropped(attack_context& ctx,
                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto root = ctx.root.address();
  // Bounded by the deadline: each receive waits at most what is left.
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    bool dropped = false;
    bool timed_out = false;
    ctx.self->receive(
      [&](caf::down_msg& msg) { dropped = msg.source == root; },
      caf::after(left) >> [&] { timed_out = true; });
    if (dropped)
      return true;
    if (timed_out)
      return false;
  }
}

} // namespace ha::hostile

namespace {

using namespace ha::hostile;

struct arguments {
  std::string host;
  uint16_t port = 0;
  std::vector<std::string> overrides;
  std::string attack;
  std::map<std::string, std::string> options;
};

int fail(const std::string& what) {
  std::cerr << "hostile_peer: " << what << std::endl;
  return 1;
}

/// Parses the command line; the reason on failure.
std::optional<std::string> parse(int argc, char** argv, arguments& args) {
  std::vector<std::string> xs(argv + 1, argv + argc);
  for (size_t i = 0; i < xs.size(); ++i) {
    auto has_value = i + 1 < xs.size();
    if (xs[i] == "--connect" && has_value) {
      auto endpoint = xs[++i];
      auto colon = endpoint.rfind(':');
      if (colon == std::string::npos)
        return "--connect wants HOST:PORT";
      args.host = endpoint.substr(0, colon);
      args.port = static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1)));
    } else if (xs[i] == "-D" && has_value) {
      args.overrides.push_back(xs[++i]);
    } else if (xs[i].rfind("--", 0) == 0 && has_value && !args.attack.empty()) {
      args.options[xs[i].substr(2)] = xs[i + 1];
      ++i;
    } else if (args.attack.empty()) {
      args.attack = xs[i];
    } else {
      return "unexpected argument '" + xs[i] + "'";
    }
  }
  if (args.host.empty() || args.attack.empty())
    return "usage: hostile_peer --connect HOST:PORT [-D key=value]... ATTACK "
           "[--name value]...";
  return std::nullopt;
}

int run(caf::actor_system& sys, const arguments& args, const attack_fn& f) {
  auto root = ha::connect(sys, args.host, args.port);
  if (!root)
    return fail(ha::describe(root.error()));
  caf::scoped_actor self{sys};
  self->monitor(*root);
  attack_context ctx{sys, self, *root, args.options};
  nlohmann::json report;
  try {
    report = f(ctx);
  } catch (const std::exception& e) {
    return fail("cannot run attack " + args.attack + ": " + e.what());
  }
  report["attack"] = args.attack;
  std::cout << report.dump() << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  arguments args;
  if (auto problem = parse(argc, argv, args))
    return fail(*problem);
  std::map<std::string, attack_fn> attacks;
  add_blob_attacks(attacks);
  add_election_attacks(attacks);
  add_root_attacks(attacks);
  auto attack = attacks.find(args.attack);
  if (attack == attacks.end())
    return fail("unknown attack '" + args.attack + "'");
  auto cfg = ha::config::load("", args.overrides);
  if (!cfg)
    return fail(ha::describe(cfg.error()));
  caf::actor_system_config sys_cfg;
  if (auto err = ha::configure_actor_system(sys_cfg, *cfg))
    return fail(ha::describe(err));
  caf::actor_system sys{sys_cfg};
  return run(sys, args, attack->second);
}
