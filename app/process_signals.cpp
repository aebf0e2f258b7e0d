#include "app/process_signals.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <pthread.h>
#include <unistd.h>

namespace ha::app {

namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

} // namespace

void block_signals() {
  auto set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void completion::finish(int exit_code) {
  int expected = -1;
  if (code_.compare_exchange_strong(expected, exit_code))
    kill(getpid(), SIGUSR1);
}

std::optional<int> completion::exit_code() const {
  auto code = code_.load();
  if (code < 0)
    return std::nullopt;
  return code;
}

int wait_for_signal(std::optional<std::chrono::milliseconds> timeout) {
  auto set = handled_signals();
  if (!timeout) {
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
  }
  auto ms = timeout->count();
  timespec ts{static_cast<time_t>(ms / 1000),
              static_cast<long>((ms % 1000) * 1000000)};
  for (;;) {
    auto sig = sigtimedwait(&set, nullptr, &ts);
    if (sig >= 0)
      return sig;
    if (errno != EINTR)
      return 0;
  }
}

} // namespace ha::app
