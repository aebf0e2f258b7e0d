// elections: many job_manager elections in one process, graceful handover,
// and the fan-out of one leader change to many local listeners (embedded).

#include <mutex>

#include <caf/all.hpp>

#include "actors/ha_services.hpp"
#include "config/config.hpp"
#include "tests/bench/bench_clients.hpp"
#include "tests/bench/bench_probe.hpp"
#include "tests/bench/bench_support.hpp"

namespace ha::bench {

namespace {

ha_services_actor start(caf::actor_system& sys) {
  auto cfg = config::load("", {"high-availability=embedded"});
  if (!cfg)
    throw std::runtime_error("config: " + sys.render(cfg.error()));
  auto root = make_services(sys, *cfg);
  if (!root)
    throw std::runtime_error("make_services: " + sys.render(root.error()));
  return *root;
}

double current_rss_mib() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

/// (a) `jobs` job_manager elections, 64 set up at a time: get the elector,
/// join a contender, confirm its grant. The seconds it took.
double many_elections(caf::actor_system& sys, size_t jobs, uint32_t run,
                      std::vector<caf::actor>& contenders) {
  auto root = start(sys);
  std::mutex mtx;
  auto probe = std::make_shared<fanout_probe>();
  auto secs = run_clients(sys, 64, jobs, [&](caf::event_based_actor* self,
                                             size_t i, auto next) {
    auto name = component::job_manager(bench_job(run, i));
    self->request(root, caf::infinite, caf::get_atom::value,
                  elector_atom::value, name)
      .then([=, &mtx, &contenders](elector_actor elector) {
        self->become([=](confirm_atom, int64_t) { next(); });
        auto c = self->spawn(contender, elector, probe,
                             caf::actor_cast<caf::actor>(self), false);
        {
          std::lock_guard<std::mutex> guard{mtx};
          contenders.push_back(caf::actor_cast<caf::actor>(c));
        }
        self->request(elector, caf::infinite, join_atom::value,
                      caf::actor_cast<contender_actor>(c))
          .then([](caf::ok_atom) {});
      });
  });
  must<caf::ok_atom>(sys, "close", root, caf::close_atom::value);
  return secs;
}

} // namespace

int run_elections(const bench_options& opts) {
  size_t jobs = opts.quick ? 200 : 10000;
  size_t listeners = opts.quick ? 200 : 10000;
  int scale_runs = opts.quick ? 2 : 3;
  int handover_runs = opts.quick ? 5 : 50;
  int fanout_runs = opts.quick ? 2 : 10;
  if (opts.runs > 0)
    scale_runs = handover_runs = fanout_runs = opts.runs;
  bench_config cfg;
  caf::actor_system sys{cfg};
  report rep{"elections", opts};
  // (a) Scale.
  auto rss_before = current_rss_mib();
  std::vector<double> scale;
  for (int r = 0; r < scale_runs; ++r) {
    std::vector<caf::actor> contenders;
    contenders.reserve(jobs);
    scale.push_back(many_elections(sys, jobs, static_cast<uint32_t>(r) + 1,
                                   contenders));
    for (auto& c : contenders)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  }
  auto peak = peak_rss_mib();
  auto scale_stats = summarize(scale);
  auto jobs_text = std::to_string(jobs);
  rep.add({jobs_text + " job elections (join+grant+confirm)", "s",
           scale_stats, "", {}, {}, "< 2 s",
           opts.quick ? std::optional<bool>{} : scale_stats.median < 2.0, ""});
  stats rss_stats;
  rss_stats.runs = 1;
  rss_stats.median = rss_stats.p99 = rss_stats.min = rss_stats.max = peak;
  rep.add({"peak RSS of the process (ru_maxrss)", "MiB", rss_stats, "", {},
           {}, "< 300 MB", opts.quick ? std::optional<bool>{} : peak < 286.1,
           "RSS before the elections: " + std::to_string(rss_before)
             + " MiB; peak over all runs"});
  // (b) Handover and (c) fan-out share one root and two contenders each.
  auto root = start(sys);
  caf::scoped_actor observer{sys};
  auto probe = std::make_shared<fanout_probe>();
  auto pair_for = [&](const char* component) {
    auto elector = must<elector_actor>(sys, "elector", root,
                                       caf::get_atom::value,
                                       elector_atom::value,
                                       std::string{component});
    std::vector<bench_contender_actor> pair;
    for (int i = 0; i < 2; ++i) {
      pair.push_back(sys.spawn(contender, elector, probe,
                               caf::actor_cast<caf::actor>(observer), false));
      must<caf::ok_atom>(sys, "join", elector, join_atom::value,
                         caf::actor_cast<contender_actor>(pair.back()));
    }
    observer->receive([](confirm_atom, int64_t) {});
    return pair;
  };
  auto await_confirm = [&] {
    int64_t ts = 0;
    observer->receive([&](confirm_atom, int64_t x) { ts = x; },
                      caf::after(std::chrono::seconds(10)) >> [] {
                        throw std::runtime_error("no confirmation");
                      });
    return ts;
  };
  auto handover_pair = pair_for(component::dispatcher);
  std::vector<double> handover;
  for (int r = 0; r < handover_runs; ++r) {
    auto t0 = now_ns();
    observer->send(handover_pair[r % 2], resign_atom::value);
    handover.push_back(static_cast<double>(await_confirm() - t0) / 1e6);
  }
  auto handover_stats = summarize(handover);
  rep.add({"graceful handover (resign -> next confirmed)", "ms",
           handover_stats, "", {}, {}, "< 5 ms median",
           handover_stats.median < 5.0, ""});
  // (c) Fan-out to local listeners of `rest`.
  probe->total = listeners;
  auto retriever = must<retriever_actor>(sys, "retriever", root,
                                         caf::get_atom::value,
                                         retriever_atom::value,
                                         std::string{component::rest});
  std::vector<listener_actor> ls;
  for (size_t i = 0; i < listeners; ++i)
    ls.push_back(sys.spawn(listener, probe));
  run_clients(sys, 64, listeners, [&](caf::event_based_actor* self, size_t i,
                                      auto next) {
    self->request(retriever, caf::infinite, join_atom::value, ls[i])
      .then([next](caf::ok_atom) { next(); });
  });
  auto fanout_pair = pair_for(component::rest);
  std::vector<double> fanout, raw_fanout;
  for (int r = 0; r < fanout_runs; ++r) {
    auto address = probe->next_generation();
    auto t0 = now_ns();
    observer->send(fanout_pair[r % 2], resign_atom::value);
    await_confirm();
    if (!probe->wait(std::chrono::seconds(30)))
      throw std::runtime_error("not every listener was notified");
    fanout.push_back(static_cast<double>(probe->last_ns - t0) / 1e6);
    // Baseline: the same messages sent straight to the same listeners.
    leader_info raw_info{probe->next_generation(), nil_session_id(), 0};
    t0 = now_ns();
    for (auto& l : ls)
      caf::anon_send(l, leader_atom::value, std::string{component::rest},
                     raw_info);
    if (!probe->wait(std::chrono::seconds(30)))
      throw std::runtime_error("not every listener got the raw message");
    raw_fanout.push_back(static_cast<double>(probe->last_ns - t0) / 1e6);
  }
  auto fan = summarize(fanout);
  auto raw_fan = summarize(raw_fanout);
  rep.add({"fan-out to " + std::to_string(listeners)
             + " local listeners (resign -> last notified)",
           "ms", fan, "raw anon_send to each listener", raw_fan,
           ratio_of(fan, raw_fan), "< 100 ms",
           opts.quick ? std::optional<bool>{} : fan.median < 100.0, ""});
  rep.note("embedded mode, one process, " + std::to_string(
             std::thread::hardware_concurrency())
           + " scheduler threads; elections: one contender actor per job, 64"
             " set up at a time, time from the first request to the last "
             "confirmation; handover and fan-out: two contenders, one resigns"
             " and the other is granted and confirms");
  for (auto& l : ls)
    caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  for (auto& c : handover_pair)
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  for (auto& c : fanout_pair)
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  must<caf::ok_atom>(sys, "close", root, caf::close_atom::value);
  return rep.finish();
}

} // namespace ha::bench
