#pragma once

// soak_worker: the client processes of the soak test (tests/system/
// soak_test.cpp). One program, three roles:
//
//   soak_worker contenders --port P --slot S --incarnation I --count N
//               --components C --seed X --log FILE [-D key=value]...
//     N contenders (leader helpers) spread over C components; each leader
//     writes job results fenced with its token, writes once with a token
//     another contender of this process lost (it must come back fenced),
//     and resigns at random. Events go to FILE, one line each, written with
//     one write(2) so that a kill -9 loses at most the line being made.
//     stdout: `ready`; after SIGUSR1 (stop resigning and writing, wait for
//     what is in flight) `quiet`.
//   soak_worker listeners --port P --count N --components C --log FILE
//     N listeners spread over C components, each checking that the leaders
//     it hears of have growing epochs. stdout: `ready` once all joined;
//     after SIGUSR1 `agree COMPONENT ADDRESS EPOCH` whenever all listeners
//     of a component follow the same leader.
//   soak_worker dump --port P --components C --out FILE
//     writes the id of every job result in the store to FILE and prints
//     `leader COMPONENT ADDRESS EPOCH` per component, then `dumped N`.
//
// Every role exits 0 on SIGTERM.

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/ids.hpp"
#include "caf_ha/messages/metadata.hpp"
#include "caf_ha/messages/services_link.hpp"

namespace ha::soak {

struct worker_args {
  std::string role;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  uint32_t slot = 0;
  uint32_t incarnation = 0;
  uint32_t count = 0;
  uint32_t components = 20;
  uint64_t seed = 1;
  std::string log_path;
  std::string out_path;
  std::vector<std::string> overrides;
};

/// The canonical name of soak component `k` (a job manager).
std::string component_name(uint32_t k);

/// An append-only event file shared by the actors of one process.
class event_log {
public:
  explicit event_log(const std::string& path);
  ~event_log();

  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  /// Appends `line` and a newline with one write(2).
  void write(std::string line);

private:
  int fd_ = -1;
};

/// Tokens whose leadership ended in this process, per component: a leader
/// of the same component writes with one of them to see it fenced.
class ended_tokens {
public:
  void add(const fencing_token& token);

  /// The newest ended token of `component` older than `epoch`, if any.
  std::optional<fencing_token> older_than(const std::string& component,
                                          epoch_t epoch);

private:
  std::mutex mtx_;
  std::vector<fencing_token> tokens_;
};

/// Waits for SIGUSR1 (true) or SIGTERM/SIGINT (false); app::block_signals
/// must have run first thing in main.
bool await_usr1();

/// Prints `line` to stdout and flushes (the driver waits for it).
void say(const std::string& line);

/// The caf-ha configuration of `args`' -D overrides, applied to
/// `sys_cfg`; nullopt (after printing why) on failure.
std::optional<config> configure(caf::actor_system_config& sys_cfg,
                                const worker_args& args);

/// Connects a services link; nullopt (after printing why) on failure.
std::optional<services_link_actor>
connect(caf::actor_system& sys, const worker_args& args, const config& cfg);

/// Starts an actor system, connects it to ha-node and returns
/// `body(sys, link)`, or 1 if that fails. What the body's actors share must
/// be owned by them (shared_ptr): they may run until the system ends.
template <class Body>
int run_client(const worker_args& args, Body body) {
  caf::actor_system_config sys_cfg;
  auto cfg = configure(sys_cfg, args);
  if (!cfg)
    return 1;
  caf::actor_system sys{sys_cfg};
  auto link = connect(sys, args, *cfg);
  if (!link)
    return 1;
  auto result = body(sys, *link);
  caf::anon_send_exit(*link, caf::exit_reason::user_shutdown);
  return result;
}

int run_contenders(const worker_args& args);
int run_listeners(const worker_args& args);
int run_dump(const worker_args& args);

} // namespace ha::soak
