// remote: the election measurements of `elections`, with the services in a
// real ha-node and every contender and listener in this process, so that
// each grant, confirm and notification crosses the CAF network.

#include <csignal>
#include <fstream>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/actors/client/services_link.hpp"
#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"
#include "tests/bench/bench_elections.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/support/child_process.hpp"

namespace ha::bench {

namespace {

using namespace std::chrono_literals;

/// The peak resident set of process `pid` in MiB (VmHWM), 0 if unknown.
double peak_rss_of(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string key;
  double kib = 0;
  while (in >> key) {
    if (key == "VmHWM:") {
      in >> kib;
      break;
    }
    in.ignore(1024, '\n');
  }
  return kib / 1024.0;
}

stats single(double x) {
  stats s;
  s.runs = 1;
  s.median = s.p99 = s.min = s.max = x;
  return s;
}

/// The elections of `run` on `root`; contenders stopped afterwards.
double elections_on(caf::actor_system& sys, const ha_services_actor& root,
                    size_t jobs, uint32_t run) {
  std::vector<caf::actor> contenders;
  contenders.reserve(jobs);
  auto secs = many_elections(sys, root, jobs, run, contenders);
  for (auto& c : contenders)
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  return secs;
}

/// The same elections on embedded services in this process: the baseline.
stats local_elections(caf::actor_system& sys, size_t jobs, int runs) {
  auto root = services_in_process(sys, "", {"high-availability=embedded"});
  std::vector<double> xs;
  for (int r = 0; r < runs; ++r)
    xs.push_back(elections_on(sys, root, jobs,
                              static_cast<uint32_t>(1000 + r)));
  must<caf::ok_atom>(sys, "close", root, caf::close_atom::value, std::string{});
  return summarize(xs);
}

} // namespace

int run_remote(const bench_options& opts) {
  size_t contenders = opts.quick ? 50 : 1000;
  size_t listeners = opts.quick ? 200 : 10000;
  int runs = opts.runs > 0 ? opts.runs : (opts.quick ? 1 : 3);
  int fanout_runs = opts.runs > 0 ? opts.runs : (opts.quick ? 2 : 10);
  scratch_dir dir{opts.work_dir};
  test::child_process node{
    {opts.bin_dir + "/ha-node", "-D", "high-availability=embedded", "-D",
     "high-availability.storageDir=" + dir.str(), "-D", "ha.node.port=0"}};
  auto port = listening_port(node, "ha-node");
  bench_config cfg{true};
  caf::actor_system sys{cfg};
  auto root = connect_node(sys, port);
  report rep{"remote", opts};
  // Fan-out first: the elections leave electors whose idle timers would
  // fire during it.
  auto link = spawn_services_link(sys, {"127.0.0.1", port, {}, root});
  auto proxy = spawn_remote_retriever(sys, link, component::rest);
  auto fan = measure_fanout(sys, root, proxy, listeners, fanout_runs);
  auto direct = measure_fanout(sys, root, rest_retriever(sys, root),
                               listeners, fanout_runs);
  std::vector<double> remote;
  for (int r = 0; r < runs; ++r)
    remote.push_back(elections_on(sys, root, contenders,
                                  static_cast<uint32_t>(r + 1)));
  auto value = summarize(remote);
  auto local = local_elections(sys, contenders, runs);
  auto n = std::to_string(contenders);
  rep.add({n + " remote contenders, one job election each (join+grant+"
                "confirm)",
           "s", value, "the same elections in one process", local,
           ratio_of(value, local), "", {}, ""});
  rep.add({"peak RSS of ha-node over the whole run (VmHWM)", "MiB",
           single(peak_rss_of(node.pid())), "", {}, {}, "", {}, ""});
  auto l = std::to_string(listeners);
  rep.add({"fan-out to " + l + " remote listeners through the process's "
             "retriever proxy (resign -> last notified)",
           "ms", fan.value, "raw local anon_send of both to each", fan.raw,
           ratio_of(fan.value, fan.raw), "< 100 ms",
           opts.quick ? std::optional<bool>{} : fan.value.median < 100.0, ""});
  rep.add({"for comparison: the " + l + " listeners joined to ha-node's "
             "retriever one by one",
           "ms", direct.value, "raw local anon_send of both to each",
           direct.raw, ratio_of(direct.value, direct.raw), "", {}, ""});
  rep.note("ha-node in mode embedded on loopback; contenders, listeners and "
           "the resigning pair live in ha_bench and share its one CAF "
           "connection; through the proxy (spawn_remote_retriever) a change "
           "crosses the network once, joined one by one once per listener; "
           "a resign notifies every listener twice (no leader, then the "
           "successor)");
  caf::anon_send_exit(proxy, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  node.signal(SIGTERM);
  node.wait(10s);
  return rep.finish();
}

} // namespace ha::bench
