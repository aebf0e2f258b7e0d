#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "caf_ha/messages/leader_info.hpp"

namespace ha::app {

/// One line of hactl output about a component's leadership.
struct leader_event {
  std::string event; // leader, granted, confirmed, revoked, error, ...
  std::string component;
  leader_info info;
  std::string error; // set for event "error"
};

/// Prints events one per line, human-readable or as JSON objects, and
/// flushes each line: other programs read hactl's output as it happens.
/// Safe to call from any thread.
class printer {
public:
  explicit printer(bool json) : json_(json) {
  }

  void print(const leader_event& ev);

  /// Prints `event` with `fields`: `event k=v ...`, or one JSON object
  /// with `event`, the fields and `ts_ms`.
  void print(const std::string& event, nlohmann::json fields);

  bool json() const {
    return json_;
  }

private:
  bool json_;
  std::mutex mtx_;
};

/// Milliseconds since the Unix epoch.
int64_t now_ms();

} // namespace ha::app
