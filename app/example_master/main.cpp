// example_master: a master process on caf-ha; copy it as a start.
//
// It contends for dispatcher and resource_manager through leader helpers,
// follows both leaders, and while it leads the dispatcher it takes over
// from the previous leader: it recovers every job graph, a page at a time,
// then marks every job result still dirty clean, each write fenced with the
// dispatcher's token. A write that comes back
// `fenced` means another master leads now: the work stops at once. The
// services link, the electors, retrievers and the store handle all
// reconnect by themselves when ha-node is lost and comes back.
//
// Every leader-only action first checks the helper's lease
// (leadership_lease.hpp): a master that wakes up from a pause long enough
// for the election to move on does not act on its old leadership, not even
// once. With --work-every-ms MS it also does periodic leader work while it
// leads the dispatcher: every MS ms it takes the next checkpoint id of one
// job, fenced: it logs "work with epoch E" when it asks and "checkpoint id
// N (epoch E)" when the answer comes while it still leads.
//
// With --drain-ms MS it declares that it drains: when leadership is handed
// over (hactl leader transfer, a resign, fail-back) it starts no new work,
// lets what is under way finish and says `drained` after MS ms; only then
// does the next master lead. --priority N: a free election goes to the
// highest.
//
//   example_master --port 4242 --name master-a:6123 [--host H]
//                  [--work-every-ms MS] [--drain-ms MS] [--priority N]
//                  [-D key=value]
//
// Exits 0 on SIGINT or SIGTERM (leadership hands over at once), 1 when the
// master actor ends for another reason (e.g. the link gave up on ha-node).

#include <charconv>
#include <system_error>
#include <csignal>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <caf/all.hpp>

#include <caf_ha/actors/client/job_graph_pages.hpp>
#include <caf_ha/actors/client/leader.hpp>
#include <caf_ha/actors/client/remote_service.hpp>
#include <caf_ha/actors/client/remote_store.hpp>
#include <caf_ha/actors/client/services_link.hpp>
#include <caf_ha/actors/net/system_setup.hpp>
#include <caf_ha/config/config.hpp>
#include <caf_ha/config/logging.hpp>
#include <caf_ha/messages/errors.hpp>

namespace {

using namespace ha;

using work_atom = caf::atom_constant<caf::atom("work")>;

using master_actor = draining_listener_actor::extend_with<
  listener_actor>::extend<caf::reacts_to<work_atom, fencing_token>>;

struct master_state {
  std::map<std::string, leader_actor> helpers;
  std::map<std::string, std::shared_ptr<leadership_lease>> leases;
  std::map<std::string, fencing_token> leading;
  /// Components asked to drain: no new leader work starts.
  std::set<std::string> draining;
  job_graph_store_actor graphs;
  job_result_store_actor results;
  checkpoint_store_actor checkpoints;
  caf::timespan work_every{0};
  caf::timespan drain_time{0};
  bool stopping = false;
  static inline const char* name = "example_master";
};

using master_pointer = master_actor::stateful_pointer<master_state>;

auto log() {
  return logger("master");
}

/// Asked before every leader-only action: the lease covers a pause the
/// helper has not noticed yet.
bool still_leads(master_pointer self, const fencing_token& token) {
  auto& st = self->state;
  auto i = st.leading.find(token.component);
  return i != st.leading.end() && i->second.epoch == token.epoch
         && st.leases[token.component]->held(token.epoch);
}

/// A fenced write: someone else leads now. Stop, and let the helper know so
/// that it queues for the next grant.
void on_write_error(master_pointer self, const fencing_token& token,
                    const std::string& what, const caf::error& err) {
  log()->warn("{}: {} failed: {}", token.component, what, describe(err));
  if (err == errc::fenced)
    self->send(self->state.helpers[token.component], fenced_atom::value,
               token);
}

constexpr auto timeout = std::chrono::seconds(10);

/// Marks `dirty[i..]` clean one after the other, each write fenced; stops
/// when leadership ends or a write fails.
void mark_clean_from(master_pointer self, const fencing_token& token,
                     std::vector<job_result_entry> dirty, size_t i) {
  if (i == dirty.size() || !still_leads(self, token))
    return;
  auto job = to_string(dirty[i].id);
  self->request(self->state.results, timeout, mark_clean_atom::value,
                dirty[i].id, token)
    .then(
      [=](caf::ok_atom) {
        log()->info("{}: marked job {} clean", token.component, job);
        mark_clean_from(self, token, dirty, i + 1);
      },
      [=](const caf::error& err) {
        on_write_error(self, token, "marking " + job + " clean", err);
      });
}

/// The dispatcher's recovery: mark every dirty result clean, fenced.
void clean_up_results(master_pointer self, const fencing_token& token) {
  self->request(self->state.results, timeout, caf::get_atom::value,
                dirty_atom::value)
    .then(
      [=](std::vector<job_result_entry> dirty) {
        mark_clean_from(self, token, std::move(dirty), 0);
      },
      [=](const caf::error& err) {
        log()->warn("{}: cannot list dirty results: {}", token.component,
                    describe(err));
      });
}

/// The job whose checkpoint ids the periodic work takes.
job_id work_job() {
  job_id id;
  id.bytes.back() = 0x77;
  return id;
}

/// One round of periodic leader work, then the next one after
/// `work_every`; stops when leadership ends or a write fails.
void work(master_pointer self, const fencing_token& token) {
  auto& st = self->state;
  if (!still_leads(self, token) || st.draining.count(token.component) > 0)
    return;
  auto what = "work with epoch " + std::to_string(token.epoch);
  log()->info("{}: {}", token.component, what);
  self->request(self->state.checkpoints, timeout, next_id_atom::value,
                work_job(), token)
    .then(
      [=](uint64_t id) {
        if (!still_leads(self, token))
          return; // Asked while leading; acting on it would not be.
        log()->info("{}: checkpoint id {} (epoch {})", token.component, id,
                    token.epoch);
        self->delayed_send(self, self->state.work_every, work_atom::value,
                           token);
      },
      [=](const caf::error& err) { on_write_error(self, token, what, err); });
}

/// The dispatcher's recovery: every job graph (a real master would
/// schedule them), then the results.
void recover(master_pointer self, const fencing_token& token) {
  auto count = std::make_shared<size_t>(0);
  recover_job_graphs(
    self, self->state.graphs, timeout,
    [=](std::vector<job_graph>& graphs) {
      *count += graphs.size();
      return still_leads(self, token);
    },
    [=](const caf::error& err) {
      if (err) {
        log()->warn("{}: cannot recover job graphs: {}", token.component,
                    describe(err));
        return;
      }
      if (!still_leads(self, token))
        return; // stopped: another master leads now
      log()->info("{}: recovered {} job graphs", token.component, *count);
      clean_up_results(self, token);
    });
}

/// On SIGTERM: leave every election before ending, so that the next master
/// is granted at once and not when the connection drops.
void leave_and_quit(master_pointer self, caf::error reason) {
  auto& st = self->state;
  st.stopping = true;
  auto left = std::make_shared<size_t>(st.helpers.size());
  if (*left == 0)
    self->quit(reason);
  for (auto& [component, helper] : st.helpers) {
    auto done = [self, left, reason] {
      if (--*left == 0)
        self->quit(reason);
    };
    self->request(helper, timeout, leave_atom::value)
      .then([done](caf::ok_atom) { done(); },
            [done](const caf::error&) { done(); });
  }
}

struct master_init {
  std::string address;
  std::map<std::string, elector_actor> electors;
  std::map<std::string, retriever_actor> retrievers;
  job_graph_store_actor graphs;
  job_result_store_actor results;
  checkpoint_store_actor checkpoints;
  caf::timespan work_every;
  caf::timespan drain_time;
  int32_t priority;
};

master_actor::behavior_type master(master_pointer self, master_init init) {
  self->state.graphs = init.graphs;
  self->state.results = init.results;
  self->state.checkpoints = init.checkpoints;
  self->state.work_every = init.work_every;
  self->state.drain_time = init.drain_time;
  for (auto& [component, elector] : init.electors) {
    leader_config cfg{component, init.address};
    cfg.lease = std::make_shared<leadership_lease>();
    cfg.priority = init.priority;
    cfg.drains = init.drain_time.count() > 0;
    self->state.leases[component] = cfg.lease;
    auto helper = spawn_leader(self->system(), elector, cfg, self);
    self->monitor(helper); // a helper that gives up ends the master
    self->state.helpers[component] = helper;
  }
  for (auto& [component, retriever] : init.retrievers)
    self->request(retriever, timeout, join_atom::value,
                  caf::actor_cast<listener_actor>(self))
      .then([](caf::ok_atom) {},
            [self](const caf::error& err) {
              self->quit(err); // cannot follow: let main report it
            });
  self->set_down_handler([self](const caf::down_msg& down) {
    if (!self->state.stopping)
      self->quit(down.reason);
  });
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    leave_and_quit(self, msg.reason);
  });
  return {
    [self](leading_atom, const std::string& component, fencing_token token) {
      log()->info("{}: leading with epoch {}", component, token.epoch);
      self->state.leading[component] = token;
      if (component != "dispatcher")
        return;
      recover(self, token);
      if (self->state.work_every.count() > 0)
        work(self, token);
    },
    [self](work_atom, const fencing_token& token) { work(self, token); },
    [self](draining_atom, const std::string& component,
           const fencing_token&) {
      // Work under way still finishes, fenced with the token.
      log()->info("{}: draining", component);
      self->state.draining.insert(component);
      self->delayed_send(self->state.helpers[component],
                         self->state.drain_time, drained_atom::value);
    },
    [self](not_leading_atom, const std::string& component,
           const caf::error& why) {
      self->state.leading.erase(component);
      self->state.draining.erase(component);
      log()->info("{}: not leading ({})", component, describe(why));
    },
    [](leader_atom, const std::string& component, const leader_info& info) {
      log()->info("{} is led by {} (epoch {})", component,
                  info.address.empty() ? "nobody" : info.address, info.epoch);
    },
    [](retrieval_error_atom, const std::string& component,
       const caf::error& err) {
      log()->warn("lost track of the {} leader: {}", component, describe(err));
    },
  };
}

struct arguments {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string name;
  int work_every_ms = 0;
  int drain_ms = 0;
  int32_t priority = 0;
  std::vector<std::string> overrides;
};

std::optional<arguments> parse(int argc, char** argv) {
  arguments args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    // A whole number, or the usage.
    auto number = [&value](auto& out) {
      auto end = value.data() + value.size();
      auto [ptr, ec] = std::from_chars(value.data(), end, out);
      return ec == std::errc{} && ptr == end;
    };
    bool ok = true;
    if (key == "--host")
      args.host = value;
    else if (key == "--port")
      ok = number(args.port);
    else if (key == "--name")
      args.name = value;
    else if (key == "--work-every-ms")
      ok = number(args.work_every_ms);
    else if (key == "--drain-ms")
      ok = number(args.drain_ms);
    else if (key == "--priority")
      ok = number(args.priority);
    else if (key == "-D")
      args.overrides.push_back(value);
    else
      ok = false;
    if (!ok)
      return std::nullopt;
  }
  if (argc % 2 == 0 || args.port == 0 || args.name.empty()
      || args.work_every_ms < 0 || args.drain_ms < 0)
    return std::nullopt;
  return args;
}

int run(const arguments& args, const config& cfg, sigset_t signals) {
  caf::actor_system_config sys_cfg;
  if (auto err = configure_actor_system(sys_cfg, cfg)) {
    std::cerr << "example_master: " << describe(err) << std::endl;
    return 1;
  }
  caf::actor_system sys{sys_cfg};
  auto link = connect_link(sys, args.host, args.port, cfg);
  if (!link) {
    std::cerr << "example_master: " << describe(link.error()) << std::endl;
    return 1;
  }
  master_init init{args.name,
                   {},
                   {},
                   spawn_remote_job_graphs(sys, *link),
                   spawn_remote_job_results(sys, *link),
                   spawn_remote_checkpoints(sys, *link),
                   std::chrono::milliseconds(args.work_every_ms),
                   std::chrono::milliseconds(args.drain_ms),
                   args.priority};
  for (std::string component : {"dispatcher", "resource_manager"}) {
    init.electors[component] = spawn_remote_elector(sys, *link, component);
    init.retrievers[component] = spawn_remote_retriever(sys, *link, component);
  }
  auto self_handle = sys.spawn(master, std::move(init));
  // A signal stops the master; main then sees it end like any other way.
  std::thread([signals, self_handle]() mutable {
    int sig = 0;
    sigwait(&signals, &sig);
    caf::anon_send_exit(self_handle, caf::exit_reason::user_shutdown);
  }).detach();
  caf::scoped_actor main_actor{sys};
  main_actor->monitor(self_handle);
  caf::error reason;
  main_actor->receive([&](caf::down_msg& down) { reason = down.reason; });
  caf::anon_send_exit(*link, caf::exit_reason::user_shutdown);
  if (reason == caf::exit_reason::user_shutdown)
    return 0;
  std::cerr << "example_master: stopped: " << describe(reason) << std::endl;
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  // Signals go to the waiting thread only: block them before CAF starts
  // its threads, which inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto args = parse(argc, argv);
  if (!args) {
    std::cerr << "usage: example_master --port PORT --name ADDRESS "
                 "[--host HOST] [--work-every-ms MS] [--drain-ms MS] "
                 "[--priority N] [-D key=value]..."
              << std::endl;
    return 2;
  }
  auto cfg = config::load("", args->overrides);
  if (!cfg) {
    std::cerr << "example_master: " << describe(cfg.error()) << std::endl;
    return 1;
  }
  return run(*args, *cfg, signals);
}
