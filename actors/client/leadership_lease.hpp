#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <caf/actor_clock.hpp>

namespace ha {

/// How long a leader helper's confirmed leadership may still be used,
/// measured on the actor system's monotonic clock. The helper renews it
/// with every answer of its elector that the session still leads (from the
/// moment it asked) and ends it when leadership ends.
///
/// The application reads it in its own thread, before each leader-only
/// action: a process that wakes from a pause (SIGSTOP, a long GC-like
/// stall, a suspended VM) finds it expired at once, before the helper has
/// run a single message, so not even one leader-only message goes out on a
/// leadership the election may already have given to someone else.
class leadership_lease {
public:
  using time_point = caf::actor_clock::time_point;

  /// Whether leadership may still be used now.
  bool held() const {
    auto clock = clock_.load();
    return clock != nullptr && now_ticks(*clock) < deadline_.load();
  }

  /// How long ago it ran out; zero while held or never held.
  caf::timespan expired_for() const {
    auto clock = clock_.load();
    auto deadline = deadline_.load();
    if (clock == nullptr || deadline == 0)
      return caf::timespan{0};
    auto past = now_ticks(*clock) - deadline;
    return caf::timespan{past > 0 ? past : 0};
  }

  // -- for the leader helper ----------------------------------------------

  void use_clock(caf::actor_clock* clock) {
    clock_.store(clock);
  }

  /// Leadership may be used until `deadline`.
  void renew(time_point deadline) {
    deadline_.store(ticks(deadline));
  }

  void end() {
    deadline_.store(0);
  }

private:
  static int64_t ticks(time_point x) {
    return std::chrono::duration_cast<caf::timespan>(x.time_since_epoch())
      .count();
  }

  static int64_t now_ticks(caf::actor_clock& clock) {
    return ticks(clock.now());
  }

  std::atomic<caf::actor_clock*> clock_{nullptr};
  /// Nanoseconds since the clock's epoch; 0: not leading.
  std::atomic<int64_t> deadline_{0};
};

} // namespace ha
