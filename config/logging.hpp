#pragma once

// Where the library's log lines go. By default each subsystem logs to
// stderr through a logger in spdlog's registry (so SPDLOG_LEVEL applies to
// it by name). An application with its own sinks or loggers hands them over
// here; the library then registers nothing and never changes spdlog's
// global settings.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace ha {

/// Makes the logger of one subsystem (`election`, `retrieval`, `store`,
/// `net`, `zk`, `node`, `journal`, `master`, ...).
using logger_factory
  = std::function<std::shared_ptr<spdlog::logger>(const std::string&)>;

/// The logger of one subsystem, made on first use (a factory returning
/// null silences that subsystem).
std::shared_ptr<spdlog::logger> logger(const char* subsystem);

/// From now on every subsystem's logger comes from `make` (null restores
/// the default); loggers made before are dropped. Call it before the actor
/// system starts, so that no line goes elsewhere.
void set_logger_factory(logger_factory make);

/// Every subsystem logs to `sinks` (e.g. the application's file sink), with
/// the subsystem's name as the logger's name and the given level.
void set_log_sinks(std::vector<spdlog::sink_ptr> sinks,
                   spdlog::level::level_enum level = spdlog::level::info);

} // namespace ha
