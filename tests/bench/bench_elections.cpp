// elections: many job_manager elections in one process, graceful handover,
// transfer to a named contender, and the fan-out of one leader change to many local listeners (embedded).

#include <mutex>

#include <caf/all.hpp>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"
#include "tests/bench/bench_clients.hpp"
#include "tests/bench/bench_elections.hpp"
#include "tests/bench/bench_probe.hpp"
#include "tests/bench/bench_support.hpp"

namespace ha::bench {

namespace {

ha_services_actor start(caf::actor_system& sys) {
  return services_in_process(sys, "", {"high-availability=embedded"});
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

/// The address contender `i` of a pair declares when it joins.
std::string pair_address(int i) {
  return "contender-" + std::to_string(i) + ":1";
}

/// Two contenders of `component` that confirm with the probe's address and
/// report confirmations to `observer`; returns once the first leads.
std::vector<bench_contender_actor>
contender_pair(caf::actor_system& sys, const ha_services_actor& root,
               const char* component, std::shared_ptr<fanout_probe> probe,
               caf::scoped_actor& observer) {
  auto elector = must<elector_actor>(sys, "elector", root,
                                     caf::get_atom::value, elector_atom::value,
                                     std::string{component});
  std::vector<bench_contender_actor> pair;
  for (int i = 0; i < 2; ++i) {
    pair.push_back(sys.spawn(contender, elector, probe,
                             caf::actor_cast<caf::actor>(observer), false));
    must<caf::ok_atom>(sys, "join", elector, join_atom::value,
                       caf::actor_cast<contender_actor>(pair.back()),
                       contender_options{pair_address(i)});
  }
  observer->receive([](confirm_atom, int64_t) {});
  return pair;
}

int64_t await_confirm(caf::scoped_actor& observer) {
  int64_t ts = 0;
  observer->receive([&](confirm_atom, int64_t x) { ts = x; },
                    caf::after(std::chrono::seconds(10)) >> [] {
                      throw std::runtime_error("no confirmation");
                    });
  return ts;
}

void stop_all(const std::vector<bench_contender_actor>& xs) {
  for (auto& x : xs)
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
}

} // namespace

double many_elections(caf::actor_system& sys, const ha_services_actor& root,
                      size_t jobs, uint32_t run,
                      std::vector<caf::actor>& contenders) {
  std::mutex mtx;
  auto probe = std::make_shared<fanout_probe>();
  return run_clients(sys, 64, jobs, [&](caf::event_based_actor* self,
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
}

retriever_actor rest_retriever(caf::actor_system& sys,
                               const ha_services_actor& root) {
  return must<retriever_actor>(sys, "retriever", root, caf::get_atom::value,
                               retriever_atom::value,
                               std::string{component::rest});
}

fanout_figures measure_fanout(caf::actor_system& sys,
                              const ha_services_actor& root,
                              const retriever_actor& retriever,
                              size_t listeners, int runs) {
  caf::scoped_actor observer{sys};
  auto probe = std::make_shared<fanout_probe>();
  auto pair = contender_pair(sys, root, component::rest, probe, observer);
  probe->total = listeners;
  std::vector<listener_actor> ls;
  for (size_t i = 0; i < listeners; ++i)
    ls.push_back(sys.spawn(listener, probe));
  run_clients(sys, 64, listeners, [&](caf::event_based_actor* self, size_t i,
                                      auto next) {
    self->request(retriever, caf::infinite, join_atom::value, ls[i])
      .then([next](caf::ok_atom) { next(); });
  });
  std::vector<double> fanout, raw_fanout;
  for (int r = 0; r < runs; ++r) {
    probe->next_generation();
    auto t0 = now_ns();
    observer->send(pair[r % 2], resign_atom::value);
    await_confirm(observer);
    if (!probe->wait(std::chrono::seconds(30)))
      throw std::runtime_error("not every listener was notified");
    fanout.push_back(static_cast<double>(probe->last_ns - t0) / 1e6);
    // Baseline: the same two messages (no leader, then the successor) sent
    // straight to the same listeners.
    leader_info raw_info{probe->next_generation(), nil_session_id(), 0};
    t0 = now_ns();
    for (auto& l : ls)
      caf::anon_send(l, leader_atom::value, std::string{component::rest},
                     leader_info{});
    for (auto& l : ls)
      caf::anon_send(l, leader_atom::value, std::string{component::rest},
                     raw_info);
    if (!probe->wait(std::chrono::seconds(30)))
      throw std::runtime_error("not every listener got the raw message");
    raw_fanout.push_back(static_cast<double>(probe->last_ns - t0) / 1e6);
  }
  for (auto& l : ls)
    caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  stop_all(pair);
  return {summarize(fanout), summarize(raw_fanout)};
}

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
  // Handover and fan-out first: the scale runs leave 30,000 electors' idle
  // timers behind (ha.services.idle-timeout), which would fire during them.
  auto root = start(sys);
  caf::scoped_actor observer{sys};
  auto probe = std::make_shared<fanout_probe>();
  auto handover_pair = contender_pair(sys, root, component::dispatcher, probe,
                                      observer);
  std::vector<double> handover;
  for (int r = 0; r < handover_runs; ++r) {
    auto t0 = now_ns();
    observer->send(handover_pair[r % 2], resign_atom::value);
    handover.push_back(static_cast<double>(await_confirm(observer) - t0)
                       / 1e6);
  }
  stop_all(handover_pair);
  auto transfer_pair = contender_pair(sys, root, component::resource_manager,
                                      probe, observer);
  std::vector<double> transfer;
  for (int r = 0; r < handover_runs; ++r) {
    auto t0 = now_ns();
    must<caf::ok_atom>(sys, "transfer", root, transfer_atom::value,
                       std::string{component::resource_manager},
                       pair_address((r + 1) % 2), std::string{});
    transfer.push_back(static_cast<double>(await_confirm(observer) - t0)
                       / 1e6);
  }
  stop_all(transfer_pair);
  auto fan = measure_fanout(sys, root, rest_retriever(sys, root), listeners,
                            fanout_runs);
  must<caf::ok_atom>(sys, "close", root, caf::close_atom::value, std::string{});
  // (a) Scale.
  auto rss_before = current_rss_mib();
  std::vector<double> scale;
  for (int r = 0; r < scale_runs; ++r) {
    std::vector<caf::actor> contenders;
    contenders.reserve(jobs);
    auto fresh = start(sys);
    scale.push_back(many_elections(sys, fresh, jobs,
                                   static_cast<uint32_t>(r) + 1, contenders));
    must<caf::ok_atom>(sys, "close", fresh, caf::close_atom::value,
                       std::string{});
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
  auto handover_stats = summarize(handover);
  rep.add({"graceful handover (resign -> next confirmed)", "ms",
           handover_stats, "", {}, {}, "< 5 ms median",
           handover_stats.median < 5.0, ""});
  auto transfer_stats = summarize(transfer);
  rep.add({"transfer (request -> named contender confirmed)", "ms",
           transfer_stats, "graceful handover", handover_stats,
           ratio_of(transfer_stats, handover_stats), "< 5 ms median",
           transfer_stats.median < 5.0,
           "the root's transfer to the contender that waits, each run the "
           "other way"});
  rep.add({"fan-out to " + std::to_string(listeners)
             + " local listeners (resign -> last notified)",
           "ms", fan.value, "raw anon_send of both to each listener", fan.raw,
           ratio_of(fan.value, fan.raw), "< 100 ms",
           opts.quick ? std::optional<bool>{} : fan.value.median < 100.0, ""});
  rep.note("embedded mode, one process, " + std::to_string(
             std::thread::hardware_concurrency())
           + " scheduler threads; elections: one contender actor per job, 64"
             " set up at a time, time from the first request to the last "
             "confirmation; handover and fan-out: two contenders, one resigns"
             " and the other is granted and confirms; a resign notifies the "
             "listeners twice (no leader, then the successor)");
  return rep.finish();
}

} // namespace ha::bench
