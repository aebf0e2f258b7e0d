#include "actors/driver_inbox.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/send.hpp>

namespace ha {

namespace {

caf::behavior driver_inbox(caf::event_based_actor* self,
                           caf::actor_addr owner) {
  // Quits with its owner whatever the reason, a normal exit included.
  self->set_exit_handler(
    [self](caf::exit_msg& msg) { self->quit(msg.reason); });
  // The owner is held weakly: the two would otherwise keep each other alive.
  self->set_default_handler(
    [owner](caf::scheduled_actor* inbox,
            caf::message_view& msg) -> caf::result<caf::message> {
      if (auto dest = caf::actor_cast<caf::actor>(owner))
        static_cast<caf::event_based_actor*>(inbox)->send(
          dest, msg.move_content_to_message());
      return caf::message{};
    });
  return {[] {}};
}

} // namespace

caf::actor spawn_driver_inbox(caf::local_actor* owner) {
  return owner->spawn<caf::linked + caf::hidden>(driver_inbox,
                                                 owner->address());
}

bool from_inbox(caf::local_actor* self, const caf::actor& inbox) {
  return self->current_sender() != nullptr
         && self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(inbox);
}

bool from_inbox(caf::local_actor* self, const caf::actor& inbox,
                peer_warnings& warnings, const char* kind) {
  if (from_inbox(self, inbox))
    return true;
  warnings.warn_once(self, std::string{"a '"} + kind
                             + "' that did not come from its driver");
  return false;
}

void idle_timer::start(const caf::actor& inbox) {
  ++period;
  if (timeout.count() > 0)
    caf::delayed_anon_send(inbox, timeout, idle_atom::value, period);
}

} // namespace ha
