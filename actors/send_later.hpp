#pragma once

#include <caf/fwd.hpp>
#include <caf/message.hpp>
#include <caf/timespan.hpp>

namespace ha {

/// Sends `msg` to `self` after `delay`, anonymously, like a delayed_send to
/// itself, except that the pending timer does not keep `self` alive. CAF
/// 0.17's clock holds the receiver of a delayed message until it fires, and
/// the actor system waits on shutdown until every detached actor is
/// destroyed: a detached actor with a timer pending when the clock stops
/// would hold up the shutdown forever.
void send_later(caf::local_actor* self, caf::timespan delay, caf::message msg);

} // namespace ha
