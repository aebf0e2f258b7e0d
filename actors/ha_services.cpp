#include "caf_ha/actors/ha_services.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/blob_store.hpp"
#include "caf_ha/actors/checkpoint_store.hpp"
#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/job_graph_store.hpp"
#include "caf_ha/actors/job_result_store.hpp"
#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/ops/instrumented_store.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/retriever.hpp"
#include "caf_ha/actors/running_jobs_registry.hpp"
#include "caf_ha/backends/factory.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/actors/net/tls.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// One metadata connection per store actor, plus one for the root's own
/// administrative work (cleanup).
struct store_connections {
  std::shared_ptr<metadata_store> job_graphs;
  std::shared_ptr<metadata_store> job_results;
  std::shared_ptr<metadata_store> registry;
  std::shared_ptr<metadata_store> checkpoints;
  std::shared_ptr<metadata_store> admin;
};

/// The limits of `ha.services.idle-timeout` and `ha.blob.max-uploads*`.
struct service_limits {
  /// Electors and retrievers nobody joined quit after this long.
  caf::timespan idle_timeout{0};
  uint32_t max_uploads_per_peer = 0;
  uint32_t max_uploads = 0;
  /// ha.election.drain-timeout
  caf::timespan drain_timeout{0};

  static service_limits from(const config& cfg) {
    service_limits result;
    result.drain_timeout = std::chrono::milliseconds{
      cfg.get_int("ha.election.drain-timeout")};
    result.idle_timeout = std::chrono::milliseconds{
      cfg.get_int("ha.services.idle-timeout")};
    result.max_uploads_per_peer = static_cast<uint32_t>(
      cfg.get_int("ha.blob.max-uploads-per-peer"));
    result.max_uploads = static_cast<uint32_t>(
      cfg.get_int("ha.blob.max-uploads"));
    return result;
  }
};

struct ha_services_state {
  backend be;
  std::shared_ptr<metadata_store> admin;
  std::map<std::string, elector_impl> electors;
  std::map<std::string, retriever_impl> retrievers;
  job_graph_store_actor job_graphs;
  job_result_store_actor job_results;
  running_jobs_registry_actor registry;
  checkpoint_store_actor checkpoints;
  blob_store_actor blobs;
  /// Set by `ha.journal.path`: every service actor records into it.
  std::shared_ptr<journal> message_journal;
  service_limits limits;
  std::shared_ptr<ops::node_monitor> monitor;

  static inline const char* name = "ha_services";
};

using services_pointer = ha_services_actor::stateful_pointer<ha_services_state>;

/// The root forgets an elector or retriever that quit (idle), so that the
/// next request for its component spawns a fresh one.
template <class Handle>
void forget(std::map<std::string, Handle>& handles, const caf::actor_addr& addr) {
  for (auto i = handles.begin(); i != handles.end(); ++i)
    if (i->second.address() == addr) {
      handles.erase(i);
      return;
    }
}

/// An elector or retriever that stops when idle could otherwise stop
/// between handing out its handle and the asker's first request, which
/// would then fail with request_receiver_down: handing it out refreshes its
/// idle period (actors/driver_inbox.hpp). This message is queued before the
/// answer leaves, so it arrives before the asker's request.
template <class Handle>
void keep_running(services_pointer self, const Handle& handle) {
  self->send(handle, idle_atom::value);
}

caf::result<elector_actor> get_elector(services_pointer self,
                                       const std::string& name) {
  auto component = component::canonical(name);
  if (!component)
    return std::move(component.error());
  auto& st = self->state;
  auto& handle = st.electors[*component];
  if (!handle) {
    elector_config cfg{*component, st.be.election, st.be.new_session_id,
                       st.message_journal};
    cfg.idle_timeout = st.limits.idle_timeout;
    cfg.drain_timeout = st.limits.drain_timeout;
    cfg.monitor = st.monitor;
    handle = spawn_linked_elector(self, std::move(cfg));
    self->monitor(handle);
  } else {
    keep_running(self, handle);
  }
  return elector_actor{handle};
}

/// Relays a transfer to the component's elector (spawned if need be: in
/// ZooKeeper mode the contenders may all be in other processes).
caf::result<caf::ok_atom> transfer(services_pointer self,
                                   const std::string& name,
                                   const std::string& to) {
  auto found = get_elector(self, name);
  if (found.flag == caf::rt_error)
    return found.err;
  auto& elector = self->state.electors[*component::canonical(name)];
  auto rp = self->make_response_promise<caf::ok_atom>();
  self->request(elector, caf::infinite, transfer_atom::value, to)
    .then([rp](caf::ok_atom x) mutable { rp.deliver(x); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<retriever_actor> get_retriever(services_pointer self,
                                           const std::string& name) {
  auto component = component::canonical(name);
  if (!component)
    return std::move(component.error());
  auto& st = self->state;
  auto& handle = st.retrievers[*component];
  if (!handle) {
    retriever_config cfg{*component, st.be.retrieval, st.message_journal};
    cfg.idle_timeout = st.limits.idle_timeout;
    cfg.monitor = st.monitor;
    handle = spawn_linked_retriever(self, std::move(cfg));
    self->monitor(handle);
  } else {
    keep_running(self, handle);
  }
  return retriever_actor{handle};
}

/// Erases the detached store actors from CAF's registry when the root ends.
/// CAF 0.17 enters every actor it sends to a remote peer into the registry,
/// and a detached actor held there is never destroyed, so the actor system
/// would wait for it forever when the process shuts down (CAF issue 1110).
void forget_on_exit(services_pointer self, std::vector<caf::actor_id> ids) {
  self->attach_functor([&sys = self->system(), ids] {
    for (auto id : ids)
      sys.registry().erase(id);
  });
}

void spawn_stores(services_pointer self, store_connections& conns) {
  auto& st = self->state;
  st.admin = conns.admin;
  auto cfg = [&](std::shared_ptr<metadata_store> conn) {
    store_config result{std::move(conn)};
    result.message_journal = st.message_journal;
    return result;
  };
  st.job_graphs = spawn_job_graph_store(self, cfg(conns.job_graphs));
  st.job_results = spawn_job_result_store(self, cfg(conns.job_results));
  st.registry = spawn_running_jobs_registry(self, cfg(conns.registry));
  st.checkpoints = spawn_checkpoint_store(self, cfg(conns.checkpoints));
  blob_store_config blob_cfg;
  blob_cfg.root = st.be.blob_root;
  blob_cfg.storage = st.be.blobs;
  blob_cfg.verify_root = st.be.verify_blob_root;
  blob_cfg.message_journal = st.message_journal;
  blob_cfg.max_uploads_per_peer = st.limits.max_uploads_per_peer;
  blob_cfg.max_uploads = st.limits.max_uploads;
  blob_cfg.monitor = st.monitor;
  st.blobs = spawn_linked_blob_store(self, std::move(blob_cfg));
  forget_on_exit(self, {st.job_graphs.id(), st.job_results.id(),
                        st.registry.id(), st.checkpoints.id(), st.blobs.id()});
}

/// Deletes the cluster's data on a detached worker, since it blocks on I/O.
caf::behavior cleanup_worker(caf::event_based_actor* self,
                             std::shared_ptr<metadata_store> admin,
                             std::function<caf::error()> remove_all_files) {
  return {
    [=](cleanup_atom) -> caf::result<caf::ok_atom> {
      self->quit();
      if (auto err = admin->clear())
        return err;
      if (auto err = remove_all_files())
        return err;
      return caf::ok_atom::value;
    },
  };
}

/// Deletes the metadata and the files of the cluster, once the blob store
/// has deleted its blobs.
void cleanup_metadata(services_pointer self,
                      caf::typed_response_promise<caf::ok_atom> rp) {
  auto& st = self->state;
  auto worker = self->spawn<caf::detached>(cleanup_worker, st.admin,
                                           st.be.remove_all_files);
  self->request(worker, caf::infinite, cleanup_atom::value)
    .then(
      [=](caf::ok_atom) mutable {
        logger("node")->info("deleted all data of cluster {}",
                             self->state.be.cluster_id);
        rp.deliver(caf::ok_atom::value);
        self->quit(caf::exit_reason::user_shutdown);
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

caf::result<caf::ok_atom> cleanup(services_pointer self) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  self->request(self->state.blobs, caf::infinite, cleanup_atom::value)
    .then([=](caf::ok_atom) { cleanup_metadata(self, rp); },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// What the root is spawned with besides its backend and connections.
struct services_extras {
  std::shared_ptr<journal> message_journal;
  service_limits limits;
  std::shared_ptr<ops::node_monitor> monitor;
};

ha_services_actor::behavior_type ha_services(services_pointer self,
                                             backend be,
                                             store_connections conns,
                                             services_extras extras) {
  self->state.be = std::move(be);
  self->state.message_journal = std::move(extras.message_journal);
  self->state.limits = extras.limits;
  self->state.monitor = std::move(extras.monitor);
  spawn_stores(self, conns);
  self->set_down_handler([self](const caf::down_msg& msg) {
    forget(self->state.electors, msg.source);
    forget(self->state.retrievers, msg.source);
  });
  logger("node")->info("services started (mode {}, cluster {})",
                       self->state.be.mode, self->state.be.cluster_id);
  return {
    [self](caf::get_atom, elector_atom, const std::string& name) {
      return get_elector(self, name);
    },
    [self](caf::get_atom, retriever_atom, const std::string& name) {
      return get_retriever(self, name);
    },
    [self](caf::get_atom, mode_atom) {
      return caf::make_result(self->state.be.mode, self->state.be.cluster_id);
    },
    [self](caf::get_atom, job_graphs_atom) { return self->state.job_graphs; },
    [self](caf::get_atom, job_results_atom) {
      return self->state.job_results;
    },
    [self](caf::get_atom, registry_atom) { return self->state.registry; },
    [self](caf::get_atom, checkpoints_atom) {
      return self->state.checkpoints;
    },
    [self](caf::get_atom, blobs_atom) { return self->state.blobs; },
    [self](caf::get_atom, status_atom) {
      return self->state.monitor->status();
    },
    // In-process callers hold the capability itself: the secret is for a
    // published gateway (actors/services_gateway.hpp) to check.
    [self](caf::close_atom, const std::string&) {
      self->quit(caf::exit_reason::user_shutdown);
      return caf::ok_atom::value;
    },
    [self](transfer_atom, const std::string& component, const std::string& to,
           const std::string&) { return transfer(self, component, to); },
    [self](cleanup_atom, const std::string&) { return cleanup(self); },
  };
}

/// Opens the store connections, each measured into `monitor`, in the
/// caller's thread: opening blocks.
caf::expected<store_connections>
open_connections(backend& be, const std::shared_ptr<ops::node_monitor>& monitor) {
  // Memory modes commit nothing to disk: they count no fsyncs.
  auto mode = be.mode;
  std::transform(mode.begin(), mode.end(), mode.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  bool durable = mode == "sqlite" || mode == "zookeeper";
  store_connections conns;
  std::pair<std::shared_ptr<metadata_store>*, const char*> stores[] = {
    {&conns.job_graphs, "job_graphs"},   {&conns.job_results, "job_results"},
    {&conns.registry, "running_jobs"},   {&conns.checkpoints, "checkpoints"},
    {&conns.admin, "admin"}};
  for (auto& [conn, name] : stores) {
    auto opened = be.open_metadata();
    if (!opened)
      return std::move(opened.error());
    *conn = ops::instrumented(std::move(*opened), monitor, name, durable);
  }
  return conns;
}

/// The journal of `ha.journal.path`, or none; its counts go to `monitor`.
caf::expected<std::shared_ptr<journal>>
open_journal(const config& cfg, ops::node_monitor& monitor) {
  auto& path = cfg.get_string("ha.journal.path");
  if (path.empty())
    return std::shared_ptr<journal>{};
  auto opened = journal::open(
    path, cfg.get_string("ha.journal.node"),
    static_cast<size_t>(cfg.get_int("ha.journal.max-queued")));
  if (!opened)
    return std::move(opened.error());
  auto& reg = monitor.metrics();
  std::weak_ptr<journal> weak = *opened;
  reg.on_collect([&reg, weak] {
    if (auto jrnl = weak.lock()) {
      reg.get_counter("caf_ha_journal_records_total")
        .raise_to(static_cast<double>(jrnl->recorded()));
      reg.get_counter("caf_ha_journal_dropped_records_total")
        .raise_to(static_cast<double>(jrnl->dropped()));
    }
  });
  return std::move(*opened);
}

} // namespace

caf::expected<ha_services_actor> make_services(caf::actor_system& sys,
                                               const config& cfg) {
  return make_services(sys, cfg, std::make_shared<ops::node_monitor>());
}

caf::expected<ha_services_actor>
make_services(caf::actor_system& sys, const config& cfg,
              std::shared_ptr<ops::node_monitor> monitor) {
  auto be = make_backend(cfg);
  if (!be)
    return std::move(be.error());
  auto conns = open_connections(*be, monitor);
  if (!conns)
    return std::move(conns.error());
  auto jrnl = open_journal(cfg, *monitor);
  if (!jrnl)
    return std::move(jrnl.error());
  services_extras extras{std::move(*jrnl), service_limits::from(cfg),
                         std::move(monitor)};
  return sys.spawn(ha_services, std::move(*be), std::move(*conns),
                   std::move(extras));
}

caf::expected<ha_services_actor> connect(caf::actor_system& sys,
                                         const std::string& host,
                                         uint16_t port) {
  // CAF 0.17 counts a connection whose handshake is under way as silent
  // since forever: the client's next heartbeat tick drops it with
  // connection_timeout however young it is. A node that answers later than
  // that tick (a second at most by default, less with short heartbeats on
  // a loaded host) is therefore asked again, for a few seconds.
  constexpr int min_attempts = 3;
  constexpr auto patience = std::chrono::seconds{5};
  auto deadline = std::chrono::steady_clock::now() + patience;
  auto root = remote_actor<ha_services_actor>(sys, host, port);
  for (int i = 1; !root && root.error() == caf::sec::connection_timeout
                  && (i < min_attempts
                      || std::chrono::steady_clock::now() < deadline);
       ++i)
    root = remote_actor<ha_services_actor>(sys, host, port);
  if (!root)
    return make_error(errc::backend_unavailable,
                      "cannot reach ha-node at " + host + ":"
                        + std::to_string(port) + ": "
                        + sys.render(root.error()));
  return root;
}

} // namespace ha
