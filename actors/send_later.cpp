#include "caf_ha/actors/send_later.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/send.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace ha {

void send_later(caf::local_actor* self, caf::timespan delay,
                caf::message msg) {
  caf::weak_actor_ptr target{self->ctrl()};
  // A hidden, scheduled actor owns the timer: the actor system neither
  // waits for it nor for a thread of its own.
  self->system().spawn<caf::hidden>(
    [=](caf::event_based_actor* timer) -> caf::behavior {
      timer->delayed_send(timer, delay, caf::tick_atom::value);
      return {
        [=](caf::tick_atom) {
          if (auto dest = caf::actor_cast<caf::actor>(target.lock()))
            caf::anon_send(dest, msg);
          timer->quit();
        },
      };
    });
}

} // namespace ha
