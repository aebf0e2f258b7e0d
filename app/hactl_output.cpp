#include "app/hactl_output.hpp"

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

namespace ha::app {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

namespace {

/// Peers choose addresses and names: bytes that are not UTF-8 print as
/// U+FFFD instead of ending hactl.
std::string json_line(const nlohmann::json& obj) {
  return obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

void printer::print(const leader_event& ev) {
  std::string line;
  if (json_) {
    nlohmann::json obj{{"event", ev.event},
                       {"component", ev.component},
                       {"address", ev.info.address},
                       {"session_id", to_string(ev.info.session)},
                       {"epoch", ev.info.epoch},
                       {"ts_ms", now_ms()}};
    if (!ev.error.empty())
      obj["error"] = ev.error;
    line = json_line(obj);
  } else {
    line = ev.event + " " + ev.component + " address="
           + (ev.info.address.empty() ? "-" : ev.info.address)
           + " session=" + to_string(ev.info.session)
           + " epoch=" + std::to_string(ev.info.epoch);
    if (!ev.error.empty())
      line += " error=\"" + ev.error + "\"";
  }
  std::lock_guard<std::mutex> guard{mtx_};
  std::cout << line << std::endl;
}

void printer::print(const std::string& event, nlohmann::json fields) {
  std::string line;
  if (json_) {
    fields["event"] = event;
    fields["ts_ms"] = now_ms();
    line = json_line(fields);
  } else {
    line = event;
    for (auto& [key, value] : fields.items())
      line += " " + key + "="
              + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  std::lock_guard<std::mutex> guard{mtx_};
  std::cout << line << std::endl;
}

} // namespace ha::app
