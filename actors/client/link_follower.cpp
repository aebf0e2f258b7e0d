#include "caf_ha/actors/client/link_follower.hpp"

#include <caf/local_actor.hpp>

#include "caf_ha/config/logging.hpp"

namespace ha {

bool from_link(caf::local_actor* self, const services_link_actor& link,
               const char* what) {
  auto& sender = self->current_sender();
  if (sender != nullptr && sender->address() == link.address())
    return true;
  logger("net")->warn("{} dropped '{}' from an actor other than its "
                      "services link",
                      self->name(), what);
  return false;
}

} // namespace ha
