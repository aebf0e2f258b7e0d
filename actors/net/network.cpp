#include "caf_ha/actors/net/network.hpp"

#include <algorithm>
#include <chrono>

#include <caf/timespan.hpp>

#include "caf_ha/config/config.hpp"

namespace ha {

namespace {

using std::chrono::milliseconds;

milliseconds millis(const config& cfg, const char* key) {
  return milliseconds{cfg.get_int(key)};
}

/// A silent connection is noticed on the first heartbeat tick after the
/// timeout, and the last message before a partition may be up to one
/// interval old: each side notices between timeout - interval and
/// timeout + interval after the cut. A client that closes after
/// timeout - 2 * interval is therefore always first.
milliseconds connection_timeout(const config& cfg, network_role role) {
  auto timeout = millis(cfg, "ha.heartbeat.timeout");
  if (role == network_role::node)
    return timeout;
  auto interval = millis(cfg, "ha.heartbeat.interval");
  return std::max(interval, timeout - 2 * interval);
}

} // namespace

void apply_network_settings(caf::actor_system_config& sys_cfg,
                            const config& cfg, network_role role) {
  // CAF's middleman closes a connection that stayed silent longer than the
  // timeout (checked by building against CAF 0.17.6: a SIGSTOPped peer
  // counts as down after timeout .. timeout + interval); every remote
  // actor behind it then counts as down, which is how a hung or
  // partitioned peer loses its leadership.
  sys_cfg.set("middleman.heartbeat-interval",
              caf::timespan{millis(cfg, "ha.heartbeat.interval")});
  sys_cfg.set("middleman.connection-timeout",
              caf::timespan{connection_timeout(cfg, role)});
}

} // namespace ha
