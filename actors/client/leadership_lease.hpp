#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/messages/ids.hpp"

namespace ha {

/// How long a leader helper's confirmed leadership may still be used,
/// measured on the actor system's monotonic clock. The helper renews it
/// with every answer of its elector that the session still leads (from the
/// moment it asked) and ends it when leadership ends or the helper stops.
/// One lease per helper.
///
/// The application reads it in its own thread, before each leader-only
/// action, with the epoch of the token it is about to act with: a process
/// that wakes from a pause (SIGSTOP, a long stall) finds it expired at
/// once, before the helper has run a single message, so no leader-only
/// message goes out on a leadership the election may already have given to
/// someone else. It narrows the window to the moment between the check and
/// the send; fencing tokens still decide what a store accepts.
class leadership_lease {
public:
  using time_point = caf::actor_clock::time_point;

  /// Whether the grant of `epoch` may still be used now.
  bool held(epoch_t epoch) const {
    std::lock_guard<std::mutex> guard{mtx_};
    return epoch_ != 0 && epoch_ == epoch && clock_ != nullptr
           && clock_->now() < deadline_;
  }

  /// Whether the current grant, whichever it is, may still be used now.
  bool held() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return epoch_ != 0 && clock_ != nullptr && clock_->now() < deadline_;
  }

  /// How long ago the current grant's lease ran out; zero while held or
  /// when no grant is leased.
  caf::timespan expired_for() const {
    std::lock_guard<std::mutex> guard{mtx_};
    if (epoch_ == 0 || clock_ == nullptr)
      return caf::timespan{0};
    auto past = clock_->now() - deadline_;
    return past.count() > 0 ? std::chrono::duration_cast<caf::timespan>(past)
                            : caf::timespan{0};
  }

  // -- for the leader helper ----------------------------------------------

  void use_clock(const caf::actor_clock* clock) {
    std::lock_guard<std::mutex> guard{mtx_};
    clock_ = clock;
  }

  /// The grant of `epoch` may be used until `deadline`.
  void renew(epoch_t epoch, time_point deadline) {
    std::lock_guard<std::mutex> guard{mtx_};
    epoch_ = epoch;
    deadline_ = deadline;
  }

  void end() {
    std::lock_guard<std::mutex> guard{mtx_};
    epoch_ = 0;
  }

private:
  mutable std::mutex mtx_;
  const caf::actor_clock* clock_ = nullptr;
  /// 0: no grant leased.
  epoch_t epoch_ = 0;
  time_point deadline_;
};

} // namespace ha
