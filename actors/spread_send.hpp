#pragma once

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>

namespace ha {

/// Sends `msg` from `from` to the local actor `to`, enqueued without the
/// sending worker as its context: CAF then spreads the actors it wakes over
/// all workers instead of queueing them all behind this one, which matters
/// when one change wakes thousands of listeners.
template <class Handle>
void spread_send(const caf::strong_actor_ptr& from, const Handle& to,
                 const caf::message& msg) {
  auto dest = caf::actor_cast<caf::abstract_actor*>(to);
  dest->enqueue(caf::make_mailbox_element(from, caf::make_message_id(), {},
                                          msg),
                nullptr);
}

} // namespace ha
