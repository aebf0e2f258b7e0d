#include "caf_ha/config/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ha {

std::shared_ptr<spdlog::logger> logger(const char* subsystem) {
  if (auto existing = spdlog::get(subsystem))
    return existing;
  try {
    return spdlog::stderr_color_mt(subsystem);
  } catch (const spdlog::spdlog_ex&) {
    // Lost a race with another thread creating the same logger.
    return spdlog::get(subsystem);
  }
}

} // namespace ha
