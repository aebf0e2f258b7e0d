// ha-node: hosts one cluster's services and publishes their root on the CAF
// network, so that master processes and hactl on other hosts can use them.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/cfg/env.h>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/actors/ops/http_endpoint.hpp"
#include "caf_ha/actors/ops/metrics.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/services_gateway.hpp"
#include "app/process_signals.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/actors/net/system_setup.hpp"
#include "caf_ha/actors/net/tls.hpp"
#include "caf_ha/messages/errors.hpp"

namespace {

/// A command line ha-node refuses (EX_USAGE, as hactl).
constexpr int exit_usage = 64;

struct node_args {
  std::string config_file;
  std::vector<std::string> overrides;
};

/// Without a config file, ha-node keeps its state durably in ./ha-data.
std::vector<std::string> effective_overrides(const node_args& args) {
  std::vector<std::string> result;
  if (args.config_file.empty()) {
    result.emplace_back("high-availability=sqlite");
    result.emplace_back("high-availability.storageDir=./ha-data");
  }
  result.insert(result.end(), args.overrides.begin(), args.overrides.end());
  return result;
}

/// Ends ha-node when its services end (an admin's `close` or `cleanup`):
/// the process must not stay up publishing services that are gone. The
/// caller keeps the watcher's handle: CAF ends an actor nobody holds.
caf::actor watch_services(caf::actor_system& sys,
                          const ha::ha_services_actor& root,
                          std::shared_ptr<std::atomic<bool>> closed) {
  return sys.spawn([root, closed](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(root);
    self->set_down_handler([self, closed](const caf::down_msg&) {
      *closed = true;
      ::kill(::getpid(), SIGTERM);
      self->quit();
    });
    return {[](caf::ok_atom) {}};
  });
}

/// The HTTP endpoint of `ha.metrics.port`, or none if that is unset.
caf::expected<std::unique_ptr<ha::ops::http_endpoint>>
start_endpoint(caf::actor_system& sys, const ha::config& cfg,
               const ha::ha_services_actor& root,
               std::shared_ptr<ha::ops::node_monitor> monitor) {
  if (!cfg.has("ha.metrics.port"))
    return std::unique_ptr<ha::ops::http_endpoint>{};
  return ha::ops::http_endpoint::start(
    cfg.get_string("ha.metrics.host"),
    static_cast<uint16_t>(cfg.get_int("ha.metrics.port")), std::move(monitor),
    ha::ops::status_of(sys, root));
}

/// The lines that tell a supervisor (and the tests) where ha-node serves.
void announce(caf::actor_system& sys, const ha::config& cfg, uint16_t port,
              const ha::ops::http_endpoint* endpoint) {
  std::cout << "ha-node listening on " << cfg.get_string("ha.node.host")
            << ":" << port << " (mode " << ha::to_string(cfg.mode())
            << ", cluster " << cfg.cluster_id() << ")" << std::endl;
  if (endpoint)
    std::cout << "ha-node serving metrics and status on http://"
              << cfg.get_string("ha.metrics.host") << ":" << endpoint->port()
              << "/" << std::endl;
  ha::logger("node")->info("peers connect over {}",
                           ha::uses_tls(sys) ? "mutual TLS" : "plain TCP");
}

/// Closes the services, waiting for them at most 5 s.
void close_services(caf::actor_system& sys, const ha::ha_services_actor& root) {
  caf::scoped_actor self{sys};
  self->request(root, std::chrono::seconds(5), caf::close_atom::value,
                std::string{})
    .receive([](caf::ok_atom) {},
             [&](const caf::error& err) {
               ha::logger("node")->warn("close failed: {}", sys.render(err));
             });
}

int run(const ha::config& cfg) {
  caf::actor_system_config sys_cfg;
  if (auto err = ha::configure_actor_system(sys_cfg, cfg,
                                            ha::network_role::node)) {
    std::cerr << "ha-node: " << ha::describe(err) << std::endl;
    return 1;
  }
  caf::actor_system sys{sys_cfg};
  auto log = ha::logger("node");
  if (auto err = ha::check_listen_address(sys, cfg)) {
    std::cerr << "ha-node: " << ha::describe(err) << std::endl;
    return 1;
  }
  auto monitor = std::make_shared<ha::ops::node_monitor>();
  auto root = ha::make_services(sys, cfg, monitor);
  if (!root) {
    std::cerr << "ha-node: " << sys.render(root.error()) << std::endl;
    return 1;
  }
  auto published = ha::publish_services(sys, *root, cfg);
  if (!published) {
    std::cerr << "ha-node: " << ha::describe(published.error()) << std::endl;
    caf::anon_send(*root, caf::close_atom::value, std::string{});
    return 1;
  }
  auto endpoint = start_endpoint(sys, cfg, *root, monitor);
  if (!endpoint) {
    std::cerr << "ha-node: " << ha::describe(endpoint.error()) << std::endl;
    sys.middleman().unpublish(published->gateway, published->port);
    caf::anon_send(*root, caf::close_atom::value, std::string{});
    return 1;
  }
  announce(sys, cfg, published->port, endpoint->get());
  auto closed = std::make_shared<std::atomic<bool>>(false);
  auto watcher = watch_services(sys, *root, closed);
  auto sig = ha::app::wait_for_signal();
  sys.middleman().unpublish(published->gateway, published->port);
  if (*closed) {
    log->info("the services were closed, shutting down");
    return 0;
  }
  log->info("received signal {}, shutting down", sig);
  close_services(sys, *root);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  ha::app::block_signals();
  spdlog::cfg::load_env_levels();
  node_args args;
  CLI::App app{"ha-node: hosts and publishes the high-availability services"};
  app.add_option("-c,--config", args.config_file, "YAML configuration file");
  app.add_option("-D", args.overrides, "override a key: -D key=value");
  bool print_table = false;
  app.add_flag("--config-table", print_table,
               "print the table of configuration keys (Markdown) and exit");
  bool print_metrics = false;
  app.add_flag("--metrics-table", print_metrics,
               "print the table of metrics (Markdown) and exit");
  app.footer("Example:\n  ha-node -D high-availability=embedded -D "
             "ha.node.port=6123");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
      return app.exit(e);
    // One line, like every other refusal, instead of CLI11's two.
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::cerr << "ha-node: " << what << " (see ha-node --help)" << std::endl;
    return exit_usage;
  }
  if (print_table) {
    std::cout << ha::option_table_markdown();
    return 0;
  }
  if (print_metrics) {
    std::cout << ha::ops::metrics_table_markdown(
      ha::ops::node_monitor{}.metrics());
    return 0;
  }
  std::vector<std::string> warnings;
  auto cfg = ha::config::load(args.config_file, effective_overrides(args),
                              &warnings);
  for (auto& warning : warnings)
    ha::logger("node")->warn("{}", warning);
  if (!cfg) {
    std::cerr << "ha-node: " << ha::describe(cfg.error()) << std::endl;
    return 1;
  }
  return run(*cfg);
}
