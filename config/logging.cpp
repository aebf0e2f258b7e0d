#include "caf_ha/config/logging.hpp"

#include <map>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ha {

namespace {

struct logger_table {
  std::mutex mtx;
  logger_factory make;
  std::map<std::string, std::shared_ptr<spdlog::logger>> made;
};

logger_table& table() {
  static logger_table instance;
  return instance;
}

/// The default: a stderr logger in spdlog's registry, shared with whoever
/// registered that name first.
std::shared_ptr<spdlog::logger> registered_stderr_logger(const std::string& name) {
  if (auto existing = spdlog::get(name))
    return existing;
  try {
    return spdlog::stderr_color_mt(name);
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered the same name first.
    return spdlog::get(name);
  }
}

} // namespace

std::shared_ptr<spdlog::logger> logger(const char* subsystem) {
  auto& tbl = table();
  std::lock_guard<std::mutex> guard{tbl.mtx};
  auto& slot = tbl.made[subsystem];
  if (!slot)
    slot = tbl.make ? tbl.make(subsystem) : registered_stderr_logger(subsystem);
  if (!slot) // a factory that declines: the subsystem stays silent
    slot = std::make_shared<spdlog::logger>(subsystem);
  return slot;
}

void set_logger_factory(logger_factory make) {
  auto& tbl = table();
  std::lock_guard<std::mutex> guard{tbl.mtx};
  tbl.make = std::move(make);
  tbl.made.clear();
}

void set_log_sinks(std::vector<spdlog::sink_ptr> sinks,
                   spdlog::level::level_enum level) {
  set_logger_factory([sinks = std::move(sinks), level](const std::string& name) {
    auto result = std::make_shared<spdlog::logger>(name, sinks.begin(),
                                                   sinks.end());
    result->set_level(level);
    return result;
  });
}

} // namespace ha
