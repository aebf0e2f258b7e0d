#include <caf_ha/actors/net/system_setup.hpp>
#include <caf_ha/config/config.hpp>

int main() {
  auto cfg = ha::config::load("", {});
  caf::actor_system_config sys_cfg;
  return cfg && !ha::configure_actor_system(sys_cfg, *cfg) ? 0 : 1;
}
