#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace ha::app {

/// The progress of a long blob transfer on a terminal: bytes, rate and ETA
/// on one line of stderr, redrawn at most every 200 ms and ended with a
/// newline. Quiet unless stderr is a terminal and the output is not JSON.
class transfer_progress {
public:
  transfer_progress(std::string verb, bool json);
  ~transfer_progress();

  /// The callback of `blob_client_options::progress`; empty when quiet.
  std::function<void(uint64_t, uint64_t)> callback();

  /// The line for `done` of `total` bytes after `elapsed`, e.g.
  /// `uploading 12.0 MiB / 100.0 MiB (12%), 24.0 MiB/s, ETA 4 s`.
  static std::string line(const std::string& verb, uint64_t done,
                          uint64_t total, std::chrono::duration<double> elapsed);

private:
  void show(uint64_t done, uint64_t total);

  std::string verb_;
  bool active_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

} // namespace ha::app
