// Logging hooks (config/logging.hpp): an application routes the library's
// log lines to its own sinks, and the library then leaves spdlog's
// registry alone.

#include <sstream>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "caf_ha/config/logging.hpp"

namespace {

/// Restores the default factory when a test ends, pass or fail.
struct factory_reset {
  ~factory_reset() {
    ha::set_logger_factory(nullptr);
  }
};

} // namespace

TEST_CASE("logging: with sinks given, every subsystem writes to them and "
          "nothing is registered with spdlog",
          "[logging]") {
  factory_reset reset;
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("[%n] %l %v");
  ha::set_log_sinks({sink}, spdlog::level::debug);
  ha::logger("logtest-election")->debug("granted {}", 7);
  ha::logger("logtest-store")->warn("slow");
  CHECK(out.str() == "[logtest-election] debug granted 7\n"
                     "[logtest-store] warning slow\n");
  CHECK(spdlog::get("logtest-election") == nullptr);
  CHECK(spdlog::get("logtest-store") == nullptr);
}

TEST_CASE("logging: a factory decides per subsystem, null silences one, "
          "and resetting restores the registered stderr default",
          "[logging]") {
  factory_reset reset;
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%n:%v");
  ha::set_logger_factory([sink](const std::string& name)
                           -> std::shared_ptr<spdlog::logger> {
    if (name == "logtest-quiet")
      return nullptr;
    return std::make_shared<spdlog::logger>("app." + name, sink);
  });
  ha::logger("logtest-net")->info("up");
  ha::logger("logtest-quiet")->error("never shown");
  CHECK(out.str() == "app.logtest-net:up\n");
  ha::set_logger_factory(nullptr);
  auto fallback = ha::logger("logtest-net");
  CHECK(fallback->name() == "logtest-net");
  CHECK(spdlog::get("logtest-net") == fallback);
  spdlog::drop("logtest-net");
}
