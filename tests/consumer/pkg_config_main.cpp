// Built by the consumer test with nothing but `pkg-config --cflags --libs
// caf_ha`: the pkg-config file names every library a master links.
#include <caf_ha/actors/client/services_link.hpp>
#include <caf_ha/actors/net/system_setup.hpp>
#include <caf_ha/config/config.hpp>
#include <caf_ha/messages/errors.hpp>

#include <caf/actor_system.hpp>

#include <iostream>

int main() {
  auto cfg = ha::config::load("", {});
  if (!cfg)
    return 1;
  caf::actor_system_config sys_cfg;
  if (auto err = ha::configure_actor_system(sys_cfg, *cfg))
    return 2;
  caf::actor_system sys{sys_cfg};
  // Nobody listens on port 1: a clear error, not a hang.
  auto link = ha::connect_link(sys, "127.0.0.1", 1, *cfg);
  std::cout << (link ? "connected" : ha::describe(link.error())) << std::endl;
  return link ? 3 : 0;
}
