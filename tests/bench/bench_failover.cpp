// failover: kill -9 of a leader's process (a real `hactl contend`) to the
// new leader's grant, its confirmation and the last of N listeners notified,
// over the CAF network on loopback through a real ha-node; baseline: a peer
// on loopback seeing the TCP connection of a killed process close.

#include <csignal>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caf_ha/actors/ha_services.hpp"
#include "tests/bench/bench_probe.hpp"
#include "tests/support/child_process.hpp"

namespace ha::bench {

namespace {

using namespace std::chrono_literals;

/// The floor: a forked child holds a loopback TCP connection; kill -9 it
/// and time until this side reads EOF. Milliseconds.
double connection_close_ms() {
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(server, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || ::listen(server, 1) != 0
      || ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("baseline: cannot listen");
  auto child = ::fork();
  if (child == 0) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0)
      ::_exit(1);
    for (int i = 0; i < 600; ++i) // bounded: the parent kills it long before
      ::pause();
    ::_exit(0);
  }
  int conn = ::accept(server, nullptr, nullptr);
  ::close(server);
  if (conn < 0)
    throw std::runtime_error("baseline: accept failed");
  ::usleep(20000); // the child is parked in pause()
  auto t0 = bench_clock::now();
  ::kill(child, SIGKILL);
  pollfd p{conn, POLLIN, 0};
  char byte;
  double ms = -1;
  while (::poll(&p, 1, 5000) == 1) {
    if (::read(conn, &byte, 1) <= 0) {
      ms = ms_since(t0);
      break;
    }
  }
  ::close(conn);
  ::waitpid(child, nullptr, 0);
  if (ms < 0)
    throw std::runtime_error("baseline: no EOF after kill -9");
  return ms;
}

/// Waits for the `event` line of an hactl --json process.
void await_event(test::child_process& proc, const std::string& event) {
  for (int i = 0; i < 100; ++i) {
    auto line = proc.read_line(10s);
    if (!line)
      throw std::runtime_error("hactl ended or was silent; stderr: "
                               + proc.error_output());
    auto j = nlohmann::json::parse(*line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == event)
      return;
  }
  throw std::runtime_error("hactl never printed " + event);
}

struct mode_figures {
  std::vector<double> grant, confirm, notified;
};

} // namespace

int run_failover(const bench_options& opts) {
  int runs = opts.runs > 0 ? opts.runs : (opts.quick ? 2 : 10);
  std::vector<size_t> listener_counts{1, 100};
  scratch_dir dir{opts.work_dir};
  bench_config cfg{true};
  caf::actor_system sys{cfg};
  report rep{"failover", opts};
  for (std::string mode : {"embedded", "sqlite"}) {
    test::child_process node{
      {opts.bin_dir + "/ha-node", "-D", "high-availability=" + mode, "-D",
       "high-availability.storageDir=" + dir.str() + "/" + mode, "-D",
       "ha.node.port=0"}};
    auto port = listening_port(node, "ha-node");
    auto endpoint = "127.0.0.1:" + std::to_string(port);
    auto root = connect_node(sys, port);
    std::string component = component::dispatcher;
    auto elector = must<elector_actor>(sys, "elector", root,
                                       caf::get_atom::value,
                                       elector_atom::value, component);
    auto retriever = must<retriever_actor>(sys, "retriever", root,
                                           caf::get_atom::value,
                                           retriever_atom::value, component);
    caf::scoped_actor observer{sys};
    auto probe = std::make_shared<fanout_probe>();
    std::vector<listener_actor> listeners;
    for (auto n : listener_counts) {
      probe->total = n;
      while (listeners.size() < n) {
        listeners.push_back(sys.spawn(listener, probe));
        must<caf::ok_atom>(sys, "join listener", retriever, join_atom::value,
                           listeners.back());
      }
      mode_figures f;
      std::vector<double> baseline;
      for (int r = 0; r < runs; ++r) {
        test::child_process victim{
          {opts.bin_dir + "/hactl", "--connect", endpoint, "--json",
           "contend", component, "--address", "victim"}};
        await_event(victim, "confirmed");
        probe->next_generation();
        auto follower = sys.spawn(contender, elector, probe,
                                  caf::actor_cast<caf::actor>(observer), true);
        must<caf::ok_atom>(sys, "join", elector, join_atom::value,
                           caf::actor_cast<contender_actor>(follower));
        ::usleep(50000); // let the node settle before the crash
        auto t0 = now_ns();
        victim.signal(SIGKILL);
        int64_t granted = 0, confirmed = 0;
        observer->receive([&](grant_atom, int64_t ts) { granted = ts; },
                          caf::after(10s) >> [] {
                            throw std::runtime_error("no grant after kill");
                          });
        observer->receive([&](confirm_atom, int64_t ts) { confirmed = ts; },
                          caf::after(10s) >> [] {
                            throw std::runtime_error("no confirmation");
                          });
        if (!probe->wait(10s))
          throw std::runtime_error("not every listener was notified");
        f.grant.push_back(static_cast<double>(granted - t0) / 1e6);
        f.confirm.push_back(static_cast<double>(confirmed - t0) / 1e6);
        f.notified.push_back(static_cast<double>(probe->last_ns - t0) / 1e6);
        victim.wait(5s);
        must<caf::ok_atom>(sys, "leave", elector, leave_atom::value,
                           caf::actor_cast<contender_actor>(follower));
        caf::anon_send_exit(follower, caf::exit_reason::user_shutdown);
        baseline.push_back(connection_close_ms());
      }
      auto base = summarize(baseline);
      auto label = mode + ", " + std::to_string(n) + " listener"
                   + (n == 1 ? "" : "s") + ": kill -9 -> ";
      auto add = [&](const std::string& what, std::vector<double>& xs,
                     std::string target, std::optional<bool> met) {
        auto v = summarize(xs);
        rep.add({label + what, "ms", v, "TCP close seen by peer", base,
                 ratio_of(v, base), std::move(target), met,
                 "median - baseline = "
                   + std::to_string(v.median - base.median) + " ms"});
      };
      add("grant", f.grant, "", {});
      auto c = summarize(f.confirm);
      add("confirmed", f.confirm,
          mode == "embedded" ? "<= baseline + 10 ms (median)" : "",
          mode == "embedded"
            ? std::optional<bool>{c.median <= base.median + 10.0}
            : std::nullopt);
      auto last = summarize(f.notified);
      add("last listener notified", f.notified,
          n == 100 ? "p99 <= 50 ms" : "",
          n == 100 ? std::optional<bool>{last.p99 <= 50.0} : std::nullopt);
    }
    for (auto& l : listeners)
      caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
    node.signal(SIGTERM);
    node.wait(10s);
  }
  rep.note("ha-node and hactl are the real binaries from " + opts.bin_dir
           + "; the new leader and the listeners are actors in this process, "
             "connected to ha-node over loopback; each kill is a fresh "
             "`hactl contend` process; " + std::to_string(runs)
           + " kills per row; the baseline: one connection-close measured "
             "after each kill of its row");
  return rep.finish();
}

} // namespace ha::bench
