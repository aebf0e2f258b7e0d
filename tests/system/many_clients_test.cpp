// Multi-process: one ha-node and 2,000 short-lived clients, 20 at a time.
// Each client is an actor system of its own in this process, with one
// connection that ends with it, like a hactl process: the node keeps
// accepting connections on socket numbers that closing connections have
// just freed. CAF names a connection by that number, and before ha-node's
// peer guard gave each one a fresh handle, about one client in a thousand
// got no heartbeats and no answers from the node.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/actors/client/request_watch.hpp"
#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/actors/net/system_setup.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "tests/support/cluster.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr int clients = 2000;
constexpr int at_a_time = 20;
/// Long enough for a client under a sanitizer on a loaded machine; a client
/// cut off by the node loses its connection after 3 s (heartbeat defaults).
constexpr auto answer_timeout = std::chrono::seconds(20);

/// CAF 0.17 builds a node id from the process id and a host id whose last
/// byte counts the actor systems of the process, so every 256th system of
/// this process has the same node id. Such clients one after the other
/// are what pid reuse makes of hactl processes; two of them at once would
/// be refused by ha-node (one node, two connections). Each system starts
/// only after the one 256 before it has ended.
class node_id_turns {
public:
  /// Waits for the turn of the next system; its number, or nullopt if the
  /// system 256 before it did not end within a minute.
  std::optional<uint64_t> begin() {
    std::unique_lock<std::mutex> guard{mtx_};
    auto next = started_;
    if (!cv_.wait_for(guard, std::chrono::seconds(60), [&] {
          return next < 256 || live_.count(next - 256) == 0;
        }))
      return std::nullopt;
    ++started_;
    live_.insert(next);
    return next;
  }

  void end(uint64_t number) {
    std::lock_guard<std::mutex> guard{mtx_};
    live_.erase(number);
    cv_.notify_all();
  }

  /// Serializes system creation, so that numbers follow creation order
  /// (hold it around `begin` and the creation).
  std::mutex& creation() {
    return creation_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t started_ = 0;
  std::set<uint64_t> live_;
  std::mutex creation_;
};

/// One hactl-like client: connects, asks the root for the retriever of
/// "dispatcher" and the retriever for the leader. Empty on success.
std::string run_client(const config& options, uint16_t port,
                       node_id_turns& turns) {
  caf::actor_system_config cfg;
  if (auto err = configure_actor_system(cfg, options))
    return describe(err);
  // Two scheduler threads and one BASP worker: a client does little.
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("middleman.workers", size_t{1});
  std::unique_ptr<caf::actor_system> sys;
  uint64_t number = 0;
  {
    std::lock_guard<std::mutex> guard{turns.creation()};
    auto turn = turns.begin();
    if (!turn)
      return "the client with the same node id 256 systems before did not "
             "end within a minute";
    number = *turn;
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  std::string failure;
  {
    auto root = connect(*sys, "127.0.0.1", port);
    if (!root) {
      failure = describe(root.error());
    } else {
      caf::scoped_actor self{*sys};
      auto svc = watched_request<retriever_actor>(
        self, *root, answer_timeout, caf::get_atom::value,
        retriever_atom::value, std::string{"dispatcher"});
      if (!svc)
        failure = "retriever: " + describe(svc.error());
      else if (auto leader = watched_request<leader_info>(
                 self, *svc, answer_timeout, caf::get_atom::value);
               !leader)
        failure = "leader: " + describe(leader.error());
    }
  }
  sys.reset();
  turns.end(number);
  return failure;
}

} // namespace

TEST_CASE("2000 short-lived clients, 20 at a time, each get their answers "
          "from one ha-node",
          "[many_clients]") {
  // A short idle timeout: the retriever is handed out across many idle
  // periods, and must not stop between handing out and the first request.
  running_node node{{"-D", "ha.services.idle-timeout=4000"}};
  auto options = config::load("", {});
  REQUIRE(options);
  auto port = static_cast<uint16_t>(std::stoi(node.port()));
  node_id_turns turns;
  std::atomic<int> next{0};
  std::mutex failures_mtx;
  std::vector<std::string> failures;
  auto worker = [&] {
    for (int i = next++; i < clients; i = next++) {
      auto failure = run_client(*options, port, turns);
      if (!failure.empty()) {
        std::lock_guard<std::mutex> guard{failures_mtx};
        failures.push_back("client " + std::to_string(i) + ": " + failure);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < at_a_time; ++i)
    threads.emplace_back(worker);
  for (auto& t : threads)
    t.join();
  std::string listed;
  for (size_t i = 0; i < failures.size() && i < 10; ++i)
    listed += failures[i] + "\n";
  INFO(failures.size() << " of " << clients << " clients failed:\n"
                       << listed);
  CHECK(failures.empty());
  INFO("ha-node stderr: " << node.process->error_output());
  CHECK(node.process->wait(0ms) == std::nullopt);
}
