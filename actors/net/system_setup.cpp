#include "caf_ha/actors/net/system_setup.hpp"

#include <caf/io/middleman.hpp>

#include "caf_ha/actors/net/tls.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/type_registry.hpp"

namespace ha {

caf::error configure_actor_system(caf::actor_system_config& sys_cfg,
                                  const config& cfg, network_role role) {
  if (auto err = cfg.check_consistent())
    return err;
  sys_cfg.load<caf::io::middleman>();
  register_types(sys_cfg);
  apply_network_settings(sys_cfg, cfg, role);
  return apply_tls_settings(sys_cfg, cfg);
}

} // namespace ha
