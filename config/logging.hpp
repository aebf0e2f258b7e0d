#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace ha {

/// The logger of one subsystem (`election`, `retrieval`, `store`, `net`,
/// `zk`, `node`), created on first use, writing to stderr so that stdout
/// stays free for a program's own output.
std::shared_ptr<spdlog::logger> logger(const char* subsystem);

} // namespace ha
