#include "caf_ha/actors/driver_inbox.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_config.hpp>
#include <caf/actor_system.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_actor.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/send.hpp>

namespace ha {

namespace {

/// Passes every message on to its owner at once, in the sender's thread,
/// with itself as the sender: a driver's report costs no scheduling of its
/// own (behind, say, the ten thousand listeners the last report woke). Holds
/// its owner weakly, since the owner holds it.
class inbox_actor : public caf::monitorable_actor {
public:
  explicit inbox_actor(caf::actor_addr owner)
    : monitorable_actor(caf::actor_config{}.add_flag(is_hidden_flag)),
      owner_(std::move(owner)) {
  }

  void enqueue(caf::mailbox_element_ptr what,
               caf::execution_unit* context) override {
    auto dest = caf::actor_cast<caf::strong_actor_ptr>(owner_);
    if (!dest)
      return;
    dest->enqueue(caf::make_mailbox_element(ctrl(), what->mid,
                                            std::move(what->stages),
                                            what->move_content_to_message()),
                  context);
  }

  const char* name() const override {
    return "driver_inbox";
  }

private:
  caf::actor_addr owner_;
};

} // namespace

caf::actor spawn_driver_inbox(caf::local_actor* owner) {
  auto& sys = owner->system();
  return caf::make_actor<inbox_actor, caf::actor>(
    sys.next_actor_id(), sys.node(), &sys, owner->address());
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
  started = std::chrono::steady_clock::now();
  if (timeout.count() > 0)
    caf::delayed_anon_send(inbox, timeout, idle_atom::value, period);
}

void idle_timer::refresh(const caf::actor& inbox) {
  if (std::chrono::steady_clock::now() - started >= timeout / 2)
    start(inbox);
}

} // namespace ha
