#include "config/network.hpp"

#include <chrono>

#include <caf/timespan.hpp>

#include "config/config.hpp"

namespace ha {

namespace {

caf::timespan millis(const config& cfg, const char* key) {
  return std::chrono::milliseconds{cfg.get_int(key)};
}

} // namespace

void apply_network_settings(caf::actor_system_config& sys_cfg,
                            const config& cfg) {
  // CAF's middleman closes a connection that stayed silent longer than the
  // timeout; every remote actor behind it then counts as down, which is
  // how a hung (SIGSTOPped, partitioned) peer loses its leadership.
  sys_cfg.set("middleman.heartbeat-interval",
              millis(cfg, "ha.heartbeat.interval"));
  sys_cfg.set("middleman.connection-timeout",
              millis(cfg, "ha.heartbeat.timeout"));
}

} // namespace ha
