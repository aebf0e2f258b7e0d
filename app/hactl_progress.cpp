#include "app/hactl_progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ha::app {

namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(200);

std::string mebibytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

} // namespace

transfer_progress::transfer_progress(std::string verb, bool json)
  : verb_(std::move(verb)),
    active_(!json && ::isatty(STDERR_FILENO) == 1),
    start_(std::chrono::steady_clock::now()),
    last_(start_) {
}

transfer_progress::~transfer_progress() {
  if (shown_)
    std::cerr << std::endl;
}

std::function<void(uint64_t, uint64_t)> transfer_progress::callback() {
  if (!active_)
    return {};
  return [this](uint64_t done, uint64_t total) { show(done, total); };
}

std::string transfer_progress::line(const std::string& verb, uint64_t done,
                                    uint64_t total,
                                    std::chrono::duration<double> elapsed) {
  auto secs = std::max(elapsed.count(), 1e-3);
  auto rate = static_cast<double>(done) / secs;
  auto percent = total > 0 ? 100 * done / total : 100;
  auto text = verb + " " + mebibytes(static_cast<double>(done)) + " / "
              + mebibytes(static_cast<double>(total)) + " ("
              + std::to_string(percent) + "%), "
              + mebibytes(rate) + "/s";
  if (rate > 0 && done < total)
    text += ", ETA "
            + std::to_string(static_cast<int64_t>(
              std::ceil(static_cast<double>(total - done) / rate)))
            + " s";
  return text;
}

void transfer_progress::show(uint64_t done, uint64_t total) {
  auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_ < redraw_interval)
    return;
  last_ = now;
  shown_ = true;
  // \r and erase to the end of the line: a shorter line leaves no rest.
  std::cerr << '\r' << line(verb_, done, total, now - start_) << "\x1b[K"
            << std::flush;
}

} // namespace ha::app
