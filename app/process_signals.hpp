#pragma once

#include <atomic>
#include <chrono>
#include <optional>

namespace ha::app {

/// Blocks SIGINT, SIGTERM and SIGUSR1 in the calling thread and every thread
/// it starts later. Call first thing in main, before the actor system exists,
/// so that only `wait_for_signal` ever receives them.
void block_signals();

/// How a program's work ends: by a signal from outside or by its own actors
/// calling `finish` (which wakes `wait_for_signal` with SIGUSR1).
class completion {
public:
  /// Records the exit code and wakes the main thread.
  void finish(int exit_code);

  /// The code given to `finish`, if it was called.
  std::optional<int> exit_code() const;

private:
  std::atomic<int> code_{-1};
};

/// Waits for SIGINT, SIGTERM or SIGUSR1 and returns it; returns 0 when
/// `timeout` passes first.
int wait_for_signal(std::optional<std::chrono::milliseconds> timeout
                    = std::nullopt);

} // namespace ha::app
