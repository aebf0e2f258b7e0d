// zookeeper: the ZooKeeper mode against the raw ZooKeeper C client in the
// same run, on a throwaway standalone server (or $CAF_HA_ZK_QUORUM):
// (a) job result create-dirty + mark-clean through the store actor against
// raw zoo_create + zoo_set of the same bytes; (b) failover after kill -9 and
// after a clean shutdown of a real `hactl contend` leader against the raw
// election recipe (ephemeral sequential node, watch on the predecessor)
// with the same session timeout.

#define THREADED // the C client's synchronous calls
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/config/config.hpp"
#include "tests/bench/bench_clients.hpp"
#include "tests/bench/bench_probe.hpp"
#include "tests/bench/bench_zookeeper.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/zookeeper_server.hpp"

namespace ha::bench {

namespace {

using namespace std::chrono_literals;

constexpr int session_timeout_ms = 2000;

// -- the raw C client, the baseline -------------------------------------------

/// One session through the C client; the watcher wakes `await_watch`.
class raw_zk {
public:
  raw_zk(const std::string& quorum, int session_ms) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zh_ = zookeeper_init(quorum.c_str(), &raw_zk::on_event, session_ms,
                         nullptr, this, 0);
    std::unique_lock<std::mutex> guard{mtx_};
    if (zh_ && cv_.wait_for(guard, 10s, [this] { return connected_; }))
      return;
    guard.unlock();
    if (zh_)
      zookeeper_close(zh_);
    throw std::runtime_error("raw client: no session with " + quorum);
  }

  ~raw_zk() {
    zookeeper_close(zh_);
  }

  raw_zk(const raw_zk&) = delete;
  raw_zk& operator=(const raw_zk&) = delete;

  void check(int rc, const std::string& what) {
    if (rc != ZOK)
      throw std::runtime_error("raw client: " + what + ": " + zerror(rc));
  }

  void create(const std::string& path, const std::string& data) {
    check(zoo_create(zh_, path.c_str(), data.data(),
                    static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE, 0,
                    nullptr, 0),
         "create " + path);
  }

  void set(const std::string& path, const std::string& data) {
    check(zoo_set(zh_, path.c_str(), data.data(),
                 static_cast<int>(data.size()), -1),
         "set " + path);
  }

  /// An ephemeral sequential node under `dir`; its name.
  std::string join(const std::string& dir) {
    char name[512];
    check(zoo_create(zh_, (dir + "/n-").c_str(), nullptr, -1,
                    &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL | ZOO_SEQUENCE, name,
                    sizeof(name)),
         "join " + dir);
    return std::string{name}.substr(dir.size() + 1);
  }

  void remove(const std::string& path) {
    zoo_delete(zh_, path.c_str(), -1);
  }

  /// The recipe's step: true if `mine` is the lowest node under `dir`;
  /// otherwise watches its predecessor.
  bool leads_or_watches(const std::string& dir, const std::string& mine) {
    String_vector names{0, nullptr};
    check(zoo_get_children(zh_, dir.c_str(), 0, &names), "list " + dir);
    std::vector<std::string> sorted(names.data, names.data + names.count);
    deallocate_String_vector(&names);
    // Same prefix and fixed-width counters: names sort by sequence.
    std::sort(sorted.begin(), sorted.end());
    auto pos = std::find(sorted.begin(), sorted.end(), mine);
    if (pos == sorted.begin())
      return true;
    if (pos == sorted.end())
      throw std::runtime_error("raw election: own node vanished");
    {
      std::lock_guard<std::mutex> guard{mtx_};
      fired_ = false;
    }
    auto rc = zoo_wexists(zh_, (dir + "/" + *(pos - 1)).c_str(),
                          &raw_zk::on_event, this, nullptr);
    if (rc == ZNONODE)
      return leads_or_watches(dir, mine);
    check(rc, "watch predecessor");
    return false;
  }

  /// Waits for a watch set by `leads_or_watches` to fire.
  bool await_watch(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [this] { return fired_; });
  }

private:
  static void on_event(zhandle_t*, int type, int state, const char*,
                       void* context) {
    auto self = static_cast<raw_zk*>(context);
    std::lock_guard<std::mutex> guard{self->mtx_};
    if (type == ZOO_SESSION_EVENT)
      self->connected_ = state == ZOO_CONNECTED_STATE;
    else
      self->fired_ = true;
    self->cv_.notify_all();
  }

  zhandle_t* zh_ = nullptr;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool connected_ = false;
  bool fired_ = false;
};

/// The raw recipe: `leads_or_watches` until leader; ms from `t0`.
double raw_takeover_ms(raw_zk& zk, const std::string& dir,
                       const std::string& mine, bench_clock::time_point t0) {
  // Bounded: each round waits for one watch, at most 10 s.
  for (int round = 0; round < 100; ++round) {
    if (zk.leads_or_watches(dir, mine))
      return ms_since(t0);
    if (!zk.await_watch(10s))
      throw std::runtime_error("raw election: no watch within 10 s");
  }
  throw std::runtime_error("raw election: never became leader");
}

// -- the services -------------------------------------------------------------

struct zk_setup {
  std::string quorum;
  std::string root;
  std::string config_file;
};

zk_setup write_config(const std::string& dir) {
  zk_setup s{test::zookeeper_quorum(),
             "/caf-ha-bench-" + std::to_string(::getpid()),
             dir + "/zk.yaml"};
  std::ofstream out{s.config_file};
  out << "high-availability: zookeeper\n"
      << "high-availability.storageDir: " << dir << "/storage\n"
      << "high-availability.zookeeper.quorum: " << s.quorum << "\n"
      << "high-availability.zookeeper.path.root: " << s.root << "\n"
      << "high-availability.zookeeper.client.session-timeout: "
      << session_timeout_ms << "\n"
      << "high-availability.zookeeper.client.connection-timeout: 5000\n"
      << "high-availability.zookeeper.client.retry-wait: 200\n";
  return s;
}

ha_services_actor start(caf::actor_system& sys, const zk_setup& s) {
  return services_in_process(sys, s.config_file, {});
}

// -- (a) job result writes ----------------------------------------------------

/// Writes/s of `jobs` create-dirty + mark-clean through the store.
double store_writes(caf::actor_system& sys, job_result_store_actor store,
                    size_t clients, size_t jobs, uint32_t run,
                    std::atomic<size_t>& errors) {
  auto secs = run_clients(sys, clients, jobs, [&, run, store](
                caf::event_based_actor* self, size_t i, auto next) {
    auto id = bench_job(run, i);
    auto failed = [next, &errors](const caf::error&) { ++errors, next(); };
    self->request(store, caf::infinite, create_dirty_atom::value,
                  job_result_entry{id, "SUCCEEDED", 1, false}, fencing_token{})
      .then(
        [=](caf::ok_atom) {
          self->request(store, caf::infinite, mark_clean_atom::value, id,
                        fencing_token{})
            .then([next](caf::ok_atom) { next(); }, failed);
        },
        failed);
  });
  return 2.0 * jobs / secs;
}

/// Writes/s of the same nodes, with the same bytes, straight through the C
/// client: a create, then a set.
double raw_writes(raw_zk& zk, const std::string& dir, size_t jobs,
                  uint32_t run) {
  auto t0 = bench_clock::now();
  for (size_t i = 0; i < jobs; ++i) {
    job_result_entry entry{bench_job(run, i), "SUCCEEDED", 1, false};
    auto node = dir + "/" + to_string(entry.id);
    zk.create(node, encode_result(entry));
    entry.clean = true;
    zk.set(node, encode_result(entry));
  }
  return 2.0 * jobs / seconds_since(t0);
}

// -- (b) failover ---------------------------------------------------------------

/// Grant and confirmation of the in-process contender, ms after `sig` to
/// a `hactl contend` leader.
std::pair<double, double> services_failover(caf::actor_system& sys,
                                            elector_actor elector,
                                            const zk_setup& s,
                                            const std::string& bin_dir,
                                            int sig) {
  test::child_process victim{{bin_dir + "/hactl", "--config", s.config_file,
                              "--json", "contend", component::dispatcher,
                              "--address", "victim"}};
  // Bounded: a handful of lines (joined, granted, confirmed).
  for (int i = 0;; ++i) {
    auto line = victim.read_line(20s);
    if (!line || i > 10)
      throw std::runtime_error("hactl never confirmed: "
                               + victim.error_output());
    if (line->find("\"confirmed\"") != std::string::npos)
      break;
  }
  caf::scoped_actor observer{sys};
  auto probe = std::make_shared<fanout_probe>();
  probe->next_generation();
  auto follower = sys.spawn(contender, elector, probe,
                            caf::actor_cast<caf::actor>(observer), true);
  must<caf::ok_atom>(sys, "join", elector, join_atom::value,
                     caf::actor_cast<contender_actor>(follower));
  auto t0 = now_ns();
  victim.signal(sig);
  int64_t granted = 0, confirmed = 0;
  observer->receive([&](grant_atom, int64_t ts) { granted = ts; },
                    caf::after(20s) >> [] {
                      throw std::runtime_error("no grant after the leader "
                                               "died");
                    });
  observer->receive([&](confirm_atom, int64_t ts) { confirmed = ts; },
                    caf::after(20s) >> [] {
                      throw std::runtime_error("no confirmation");
                    });
  victim.wait(10s);
  must<caf::ok_atom>(sys, "leave", elector, leave_atom::value,
                     caf::actor_cast<contender_actor>(follower));
  caf::anon_send_exit(follower, caf::exit_reason::user_shutdown);
  return {(granted - t0) / 1e6, (confirmed - t0) / 1e6};
}

/// Ms from `sig` to a raw recipe leader (`ha_bench zk-raw-contender`) to
/// this process's raw contender leading.
double raw_failover(raw_zk& zk, const zk_setup& s, const std::string& dir,
                    const std::string& bin_dir, int sig) {
  test::child_process victim{{bin_dir + "/ha_bench", "zk-raw-contender",
                              s.quorum, dir,
                              std::to_string(session_timeout_ms)}};
  auto line = victim.read_line(20s);
  if (!line || *line != "joined")
    throw std::runtime_error("zk-raw-contender did not join: "
                             + victim.error_output());
  auto mine = zk.join(dir);
  if (zk.leads_or_watches(dir, mine))
    throw std::runtime_error("raw election: the victim does not lead");
  auto t0 = bench_clock::now();
  victim.signal(sig);
  auto ms = raw_takeover_ms(zk, dir, mine, t0);
  zk.remove(dir + "/" + mine);
  victim.wait(10s);
  return ms;
}

/// Deletes what the run wrote, in case the server is not a throwaway one.
void remove_nodes(const zk_setup& s) {
  zk_settings settings;
  settings.quorum = s.quorum;
  auto conn = zk_connection::open(settings);
  if (!conn)
    return;
  (*conn)->remove_recursive(s.root);
  (*conn)->remove_recursive(s.root + "-raw");
}

struct sizes {
  size_t jobs;
  int store_runs;
  int failover_runs;
};

void add_store_figures(report& rep, std::vector<double>& one,
                       std::vector<double>& many, std::vector<double>& raw) {
  auto base = summarize(raw);
  for (auto* xs : {&one, &many}) {
    auto v = summarize(*xs);
    auto ratio = ratio_of(v, base);
    rep.add({xs == &one ? "results create+clean, 1 client"
                        : "results create+clean, 64 clients",
             "writes/s", v, "raw C client create + set", base, ratio,
             ">= 0.8x", at_least(ratio, 0.8), ""});
  }
}

void add_failover_figure(report& rep, const std::string& name,
                         std::vector<double>& xs, std::vector<double>& raw,
                         std::string target, std::optional<bool> met) {
  auto v = summarize(xs);
  auto base = summarize(raw);
  rep.add({name, "ms", v, "raw recipe, same session timeout", base,
           ratio_of(v, base), std::move(target), met,
           "median - baseline = " + std::to_string(v.median - base.median)
             + " ms"});
}

} // namespace

int run_zookeeper(const bench_options& opts) {
  sizes n = opts.quick ? sizes{50, 2, 2} : sizes{500, 5, 10};
  if (opts.runs > 0)
    n.store_runs = n.failover_runs = opts.runs;
  scratch_dir dir{opts.work_dir};
  auto setup = write_config(dir.str());
  bench_config cfg;
  caf::actor_system sys{cfg};
  auto root = start(sys, setup);
  auto results = must<job_result_store_actor>(sys, "get results", root,
                                              caf::get_atom::value,
                                              job_results_atom::value);
  raw_zk raw{setup.quorum, session_timeout_ms};
  raw.create(setup.root + "-raw", {});
  auto raw_results = setup.root + "-raw/results";
  raw.create(raw_results, {});
  std::atomic<size_t> errors{0};
  std::vector<double> raw_w, one_w, many_w;
  uint32_t run_id = 0;
  for (int r = 0; r < n.store_runs; ++r) {
    raw_w.push_back(raw_writes(raw, raw_results, n.jobs, ++run_id));
    one_w.push_back(store_writes(sys, results, 1, n.jobs, ++run_id, errors));
    many_w.push_back(store_writes(sys, results, 64, n.jobs, ++run_id, errors));
  }
  auto elector = must<elector_actor>(sys, "elector", root,
                                     caf::get_atom::value, elector_atom::value,
                                     std::string{component::dispatcher});
  auto latch = setup.root + "-raw/latch";
  raw.create(latch, {});
  std::vector<double> kill_grant, kill_confirm, raw_kill;
  std::vector<double> term_grant, term_confirm, raw_term;
  for (int r = 0; r < n.failover_runs; ++r) {
    auto killed = services_failover(sys, elector, setup, opts.bin_dir,
                                    SIGKILL);
    kill_grant.push_back(killed.first);
    kill_confirm.push_back(killed.second);
    raw_kill.push_back(raw_failover(raw, setup, latch, opts.bin_dir, SIGKILL));
    auto stopped = services_failover(sys, elector, setup, opts.bin_dir,
                                     SIGTERM);
    term_grant.push_back(stopped.first);
    term_confirm.push_back(stopped.second);
    raw_term.push_back(raw_failover(raw, setup, latch, opts.bin_dir, SIGTERM));
  }
  report rep{"zookeeper", opts};
  add_store_figures(rep, one_w, many_w, raw_w);
  auto kill = summarize(kill_confirm);
  auto raw_kill_stats = summarize(raw_kill);
  add_failover_figure(rep, "kill -9 -> grant", kill_grant, raw_kill, "", {});
  add_failover_figure(rep, "kill -9 -> confirmed", kill_confirm, raw_kill,
                      "<= raw + 100 ms (median)",
                      kill.median <= raw_kill_stats.median + 100.0);
  add_failover_figure(rep, "SIGTERM -> grant", term_grant, raw_term, "", {});
  add_failover_figure(rep, "SIGTERM -> confirmed", term_confirm, raw_term,
                      "<= raw + 5 ms (median)",
                      summarize(term_confirm).median
                        <= summarize(raw_term).median + 5.0);
  rep.note("server " + setup.quorum + "; session timeout "
           + std::to_string(session_timeout_ms) + " ms; "
           + std::to_string(n.jobs) + " jobs per store run, "
           + std::to_string(n.store_runs) + " store runs, "
           + std::to_string(n.failover_runs) + " failovers per row; a write "
             "= one acknowledged create-dirty or mark-clean");
  rep.note("failover: the leader is a real `hactl --config zk.yaml contend`, "
           "the successor a contender in this process; raw: a "
           "`ha_bench zk-raw-contender` process and a raw contender here");
  if (errors > 0)
    rep.note("ERRORS: " + std::to_string(errors.load()) + " requests failed");
  caf::anon_send(root, caf::close_atom::value, std::string{});
  remove_nodes(setup);
  auto code = rep.finish();
  return errors > 0 ? 1 : code;
}

int run_zk_raw_contender(const std::string& quorum, const std::string& dir,
                         int session_ms) {
  // SIGTERM is taken with sigwait: the clean exit closes the session.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);
  raw_zk zk{quorum, session_ms};
  zk.join(dir);
  std::cout << "joined" << std::endl;
  int sig = 0;
  sigwait(&term, &sig);
  return 0;
}

void add_zookeeper_commands(CLI::App& app,
                            std::function<int(const bench_options&)>& run) {
  app.add_subcommand("zookeeper",
                     "job result writes and failover vs the raw C client")
    ->callback([&run] { run = run_zookeeper; });
  // The raw leader of `zookeeper`, started by it; not for users.
  auto raw = app.add_subcommand("zk-raw-contender", "")->group("");
  static std::string quorum, dir;
  static int session_ms = session_timeout_ms;
  raw->add_option("quorum", quorum)->required();
  raw->add_option("dir", dir)->required();
  raw->add_option("session_ms", session_ms)->required();
  raw->callback([&run] {
    run = [](const bench_options&) {
      return run_zk_raw_contender(quorum, dir, session_ms);
    };
  });
}

} // namespace ha::bench
