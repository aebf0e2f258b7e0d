// requests: the round trip of a store read from a remote client to a real
// ha-node, against a raw CAF request/response of the same shape between two
// processes (an echo actor in a child ha_bench).

#include <csignal>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <iostream>

#include "caf_ha/actors/ha_services.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/support/child_process.hpp"

namespace ha::bench {

namespace {

using namespace std::chrono_literals;

/// The raw peer: answers the same message as the job result store's
/// has_entry read, with no work behind it.
using echo_actor
  = caf::typed_actor<caf::replies_to<has_entry_atom, job_id>::with<bool>>;

echo_actor::behavior_type echo() {
  return {[](has_entry_atom, const job_id&) { return true; }};
}

template <class Handle>
double round_trip_ms(caf::scoped_actor& self, const Handle& dest,
                     const job_id& job) {
  auto t0 = bench_clock::now();
  bool ok = false;
  self->request(dest, 10s, has_entry_atom::value, job)
    .receive([&](bool) { ok = true; }, [](const caf::error&) {});
  auto ms = ms_since(t0);
  if (!ok)
    throw std::runtime_error("a request failed");
  return ms;
}

} // namespace

/// `ha_bench echo-server`: publishes the echo actor on a free loopback port,
/// prints `echo listening on 127.0.0.1:PORT`, and serves until SIGTERM (at
/// most ten minutes).
int run_echo_server(const bench_options&) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr); // before CAF starts threads
  bench_config cfg{true};
  caf::actor_system sys{cfg};
  auto server = sys.spawn(echo);
  auto port = sys.middleman().publish(server, 0, "127.0.0.1", true);
  if (!port) {
    std::cerr << "echo-server: " << sys.render(port.error()) << "\n";
    return 1;
  }
  std::cout << "echo listening on 127.0.0.1:" << *port << std::endl;
  timespec limit{600, 0};
  sigtimedwait(&set, nullptr, &limit);
  sys.middleman().unpublish(server, *port);
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  return 0;
}

int run_requests(const bench_options& opts) {
  int samples = opts.runs > 0 ? opts.runs : (opts.quick ? 200 : 5000);
  scratch_dir dir{opts.work_dir};
  test::child_process node{
    {opts.bin_dir + "/ha-node", "-D", "high-availability=sqlite", "-D",
     "high-availability.storageDir=" + dir.str(), "-D", "ha.node.port=0"}};
  test::child_process peer{{opts.bin_dir + "/ha_bench", "echo-server"}};
  auto node_port = listening_port(node, "ha-node");
  auto peer_port = listening_port(peer, "ha_bench echo-server");
  bench_config cfg{true};
  caf::actor_system sys{cfg};
  auto root = connect_node(sys, node_port);
  auto store = must<job_result_store_actor>(sys, "results", root,
                                            caf::get_atom::value,
                                            job_results_atom::value);
  auto raw = sys.middleman().remote_actor<echo_actor>("127.0.0.1", peer_port);
  if (!raw)
    throw std::runtime_error("echo: " + sys.render(raw.error()));
  auto job = bench_job(1, 1);
  must<caf::ok_atom>(sys, "create", store, create_dirty_atom::value,
                     job_result_entry{job, "SUCCEEDED", 1, false},
                     fencing_token{});
  caf::scoped_actor self{sys};
  for (int i = 0; i < 100; ++i) { // warm up both paths
    round_trip_ms(self, store, job);
    round_trip_ms(self, *raw, job);
  }
  std::vector<double> read, echo_rt;
  for (int i = 0; i < samples; ++i) {
    read.push_back(round_trip_ms(self, store, job));
    echo_rt.push_back(round_trip_ms(self, *raw, job));
  }
  report rep{"requests", opts};
  auto v = summarize(read);
  auto b = summarize(echo_rt);
  auto ratio = ratio_of(v, b);
  rep.add({"remote store read (has_entry) via ha-node", "ms", v,
           "raw CAF request/response, 2 processes", b, ratio, "<= 1.5x",
           at_most(ratio, 1.5), ""});
  rep.note(std::to_string(samples)
           + " round trips each, interleaved, after 100 warm-up ones; both "
             "from one scoped_actor over loopback; ha-node in mode sqlite "
             "(a detached store actor answers reads from its backend)");
  node.signal(SIGTERM);
  peer.signal(SIGTERM);
  node.wait(10s);
  peer.wait(10s);
  return rep.finish();
}

} // namespace ha::bench
