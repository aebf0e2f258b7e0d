#pragma once

// Probes shared by the election benchmarks: listeners that count who saw
// the leader of the current generation, and a contender that reports when it
// was granted and confirmed. Times are steady-clock nanoseconds.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include <caf/all.hpp>

#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/retrieval.hpp"
#include "tests/bench/bench_support.hpp"

namespace ha::bench {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           bench_clock::now().time_since_epoch())
    .count();
}

/// Counts listeners that saw the leader of the current generation.
struct fanout_probe {
  std::atomic<uint64_t> generation{0};
  std::atomic<size_t> seen{0};
  size_t total = 0;
  std::atomic<int64_t> last_ns{0};
  std::mutex mtx;
  std::condition_variable cv;

  std::string address() const {
    return "gen-" + std::to_string(generation.load());
  }

  /// Starts a generation; its leader's address.
  std::string next_generation() {
    seen = 0;
    ++generation;
    return address();
  }

  bool wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, timeout, [&] { return seen.load() >= total; });
  }
};

inline listener_actor::behavior_type listener(listener_actor::pointer,
                                       std::shared_ptr<fanout_probe> probe) {
  return {
    [=](leader_atom, const std::string&, const leader_info& info) {
      if (info.address != probe->address())
        return;
      if (++probe->seen == probe->total) {
        probe->last_ns = now_ns();
        std::lock_guard<std::mutex> guard{probe->mtx};
        probe->cv.notify_all();
      }
    },
    [](retrieval_error_atom, const std::string&, const caf::error&) {},
  };
}

using bench_contender_actor
  = contender_actor::extend<caf::reacts_to<resign_atom>>;

struct contender_state {
  session_id session;
};

/// Confirms every grant (telling `observer` (grant_atom, ns) first if
/// `report_grants`) with the probe's current address, then tells
/// `observer` (confirm_atom, steady-clock ns); resigns when told.
inline bench_contender_actor::behavior_type
contender(bench_contender_actor::stateful_pointer<contender_state> self,
          elector_actor elector, std::shared_ptr<fanout_probe> probe,
          caf::actor observer, bool report_grants) {
  return {
    [=](grant_atom, const std::string&, const session_id& session, epoch_t) {
      self->state.session = session;
      if (report_grants)
        caf::anon_send(observer, grant_atom::value, now_ns());
      self->request(elector, caf::infinite, confirm_atom::value, session,
                    probe->address())
        .then([=](bool accepted) {
          if (accepted)
            caf::anon_send(observer, confirm_atom::value, now_ns());
        });
    },
    [](revoke_atom, const std::string&, const session_id&) {},
    [](election_error_atom, const std::string&, const caf::error&) {},
    [=](resign_atom) {
      self->request(elector, caf::infinite, resign_atom::value,
                    self->state.session)
        .then([](bool) {});
    },
  };
}

} // namespace ha::bench
