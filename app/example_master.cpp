// example_master: the smallest useful master process; copy it as a start.
//
// It connects to an ha-node, contends for resource_manager and dispatcher,
// and for each component it leads: confirms the grant, recovers the job
// graphs and the dirty job results, and follows the leader of the other
// component. On revoke, or when the node is lost, it stops that
// component's leader work. The services link reconnects by itself and
// joins the elections again.
//
//   example_master --port 4242 --name master-a:6123

#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/cfg/env.h>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/actors/client/services_link.hpp"
#include "app/process_signals.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/actors/net/network.hpp"
#include "caf_ha/actors/net/tls.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"

namespace {

using namespace ha;

constexpr auto timeout = std::chrono::seconds(10);

std::string other(const std::string& component) {
  return component == "dispatcher" ? "resource_manager" : "dispatcher";
}

/// The master is a contender and, for the other component, a listener.
using master_actor = contender_actor::extend_with<listener_actor>;

struct master_state {
  std::string address; // what it publishes as leader
  services_link_actor link;
  std::map<std::string, elector_actor> electors;
  std::map<std::string, retriever_actor> retrievers;
  std::map<std::string, leader_info> leading; // confirmed grants

  static inline const char* name = "example_master";
};

using master_pointer = master_actor::stateful_pointer<master_state>;

auto log() {
  return logger("master");
}

/// Leader work checks this before each step: a revoked leader stops.
bool still_leads(master_pointer self, const std::string& component,
                 const session_id& session) {
  auto i = self->state.leading.find(component);
  return i != self->state.leading.end() && i->second.session == session;
}

void recover_job_graphs(master_pointer self, const ha_services_actor& root,
                        const std::string& component, session_id session) {
  self->request(root, timeout, caf::get_atom::value, job_graphs_atom::value)
    .then([=](job_graph_store_actor store) {
      self->request(store, timeout, caf::get_atom::value, job_ids_atom::value)
        .then([=](const std::vector<job_id>& ids) {
          if (!still_leads(self, component, session))
            return;
          log()->info("{}: recovering {} job graph(s)", component, ids.size());
          for (auto& id : ids)
            self->request(store, timeout, caf::get_atom::value, id)
              .then([=](const job_graph& graph) {
                if (still_leads(self, component, session))
                  log()->info("{}: recovered job {} ({})", component,
                              to_string(graph.id), graph.name);
              });
        });
    });
}

void recover_dirty_results(master_pointer self, const ha_services_actor& root,
                           const std::string& component, session_id session) {
  self->request(root, timeout, caf::get_atom::value, job_results_atom::value)
    .then([=](job_result_store_actor store) {
      self->request(store, timeout, caf::get_atom::value, dirty_atom::value)
        .then([=](const std::vector<job_result_entry>& dirty) {
          if (!still_leads(self, component, session))
            return;
          for (auto& entry : dirty)
            log()->info("{}: job {} ended {} and still needs cleanup",
                        component, to_string(entry.id), entry.status);
        });
    });
}

/// Starts (join) or stops (leave) listening to the leader of `component`.
template <class Atom>
void follow(master_pointer self, const std::string& component, Atom what) {
  self
    ->request(self->state.retrievers[component], timeout, what,
              caf::actor_cast<listener_actor>(self))
    .then([](caf::ok_atom) {},
          [=](const caf::error& err) {
            log()->warn("cannot follow {}: {}", component, describe(err));
          });
}

/// Recovers what the previous leader left. Errors only get logged: a
/// master that cannot recover should resign, which a real one would do here.
void recover(master_pointer self, const std::string& component,
             const session_id& session) {
  self->request(self->state.link, timeout, caf::get_atom::value)
    .then(
      [=](const ha_services_actor& root) {
        recover_job_graphs(self, root, component, session);
        recover_dirty_results(self, root, component, session);
      },
      [=](const caf::error& err) {
        log()->warn("{}: cannot recover: {}", component, describe(err));
      });
}

/// Leader work after a confirmed grant.
void start_leading(master_pointer self, const std::string& component,
                   const leader_info& info) {
  self->state.leading[component] = info;
  log()->info("{}: leading with epoch {}", component, info.epoch);
  // As in Flink, the dispatcher owns the jobs: only it recovers them.
  if (component == "dispatcher")
    recover(self, component, info.session);
  follow(self, other(component), join_atom::value);
}

void stop_leading(master_pointer self, const std::string& component,
                  const std::string& why) {
  if (self->state.leading.erase(component) == 0)
    return;
  log()->info("{}: stopped leader work ({})", component, why);
  follow(self, other(component), leave_atom::value);
}

void confirm(master_pointer self, const std::string& component,
             const leader_info& info) {
  self
    ->request(self->state.electors[component], timeout, confirm_atom::value,
              info.session, info.address)
    .then(
      [=](bool accepted) {
        if (accepted)
          start_leading(self, component, info);
        else
          log()->info("{}: grant ended before it was confirmed", component);
      },
      [=](const caf::error& err) {
        log()->warn("{}: confirm failed: {}", component, describe(err));
      });
}

master_actor::behavior_type master(master_pointer self, master_state init) {
  self->state = std::move(init);
  for (auto& [name, elector] : self->state.electors)
    self
      ->request(elector, timeout, join_atom::value,
                caf::actor_cast<contender_actor>(self))
      .then([component = name](caf::ok_atom) {
        log()->info("{}: joined the election", component);
      });
  return {
    [self](grant_atom, const std::string& component, const session_id& session,
           epoch_t epoch) {
      log()->info("{}: granted (epoch {})", component, epoch);
      confirm(self, component, {self->state.address, session, epoch});
    },
    [self](revoke_atom, const std::string& component, const session_id&) {
      stop_leading(self, component, "revoked");
    },
    [self](election_error_atom, const std::string& component,
           const caf::error& err) {
      stop_leading(self, component, describe(err));
    },
    [self](leader_atom, const std::string& component, const leader_info& info) {
      if (info.address.empty())
        log()->info("{} has no leader", component);
      else
        log()->info("{} is led by {} (epoch {})", component, info.address,
                    info.epoch);
    },
    [self](retrieval_error_atom, const std::string& component,
           const caf::error& err) {
      log()->warn("lost track of the {} leader: {}", component, describe(err));
    },
  };
}

struct master_args {
  std::string host;
  uint16_t port = 0;
  std::string address;
  std::vector<std::string> overrides;
};

int run(const master_args& args, const config& cfg) {
  caf::actor_system_config sys_cfg;
  sys_cfg.load<caf::io::middleman>();
  register_types(sys_cfg);
  apply_network_settings(sys_cfg, cfg, network_role::client);
  if (auto err = apply_tls_settings(sys_cfg, cfg)) {
    std::cerr << "example_master: " << describe(err) << std::endl;
    return 1;
  }
  caf::actor_system sys{sys_cfg};
  auto root = connect(sys, args.host, args.port);
  if (!root) {
    std::cerr << "example_master: " << describe(root.error()) << std::endl;
    return 1;
  }
  master_state init;
  init.address = args.address;
  init.link = spawn_services_link(
    sys, {args.host, args.port, reconnect_policy_from(cfg), *root});
  for (std::string component : {"resource_manager", "dispatcher"}) {
    init.electors[component] = spawn_remote_elector(sys, init.link, component);
    init.retrievers[component] = spawn_remote_retriever(sys, init.link,
                                                        component);
  }
  auto link = init.link;
  auto self = sys.spawn(master, std::move(init));
  log()->info("{} contends for resource_manager and dispatcher",
              args.address);
  app::wait_for_signal();
  // The node's electors monitor the master: its exit hands over at once.
  caf::anon_send_exit(self, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  app::block_signals();
  spdlog::cfg::load_env_levels();
  master_args args;
  CLI::App app{"example_master: contends for resource_manager and dispatcher"};
  app.add_option("--host", args.host, "ha-node's host")
    ->default_val("127.0.0.1");
  app.add_option("--port", args.port, "ha-node's port")->required();
  app.add_option("--name", args.address,
                 "the address this master publishes when it leads")
    ->required();
  app.add_option("-D", args.overrides, "override a key: -D key=value");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto cfg = config::load("", args.overrides);
  if (!cfg) {
    std::cerr << "example_master: " << describe(cfg.error()) << std::endl;
    return 1;
  }
  return run(args, *cfg);
}
