#pragma once

#include <string>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/local_actor.hpp>
#include <caf/message.hpp>
#include <caf/result.hpp>
#include <caf/type_erased_tuple.hpp>

#include "caf_ha/actors/journal/journal_hook.hpp"

namespace ha {

/// How a store actor journals its messages (issue 6). A store's messages
/// carry structured values (job graphs, checkpoints, fencing tokens), so
/// they are journaled generically: as text for the reader, and as CAF's
/// binary form, from which the replay rebuilds each input.
struct store_journal {
  journal_hook hook;
  /// The sender of the request being handled, named once so that a reply
  /// delivered later (after the write batch) names the same peer.
  std::string peer;
};

/// `message`: the message as text (its size and SHA-256 if longer than
/// 512 characters); with `with_bytes` also `bytes`: hex of its CAF binary
/// serialization.
journal_fields message_fields(caf::actor_system& sys,
                              const caf::type_erased_tuple& msg,
                              bool with_bytes);

/// The message of `bytes` (see `message_fields`); corrupted if there is
/// none or it does not decode.
caf::expected<caf::message> message_from(caf::actor_system& sys,
                                         const journal_fields& fields);

/// The text of the message's first element if it is an atom (`put`, `get`,
/// `flush`), else `message`.
std::string kind_of(const caf::type_erased_tuple& msg);

/// Journals the reply `msg` to `peer`.
void journal_out(caf::actor_system& sys, const store_journal& log,
                 const std::string& peer, const caf::message& msg);

/// Journals the message `msg` sent to `peer` on the actor's own account (a
/// notification), of the kind of its first atom.
void journal_send(caf::actor_system& sys, const store_journal& log,
                  const std::string& peer, const caf::message& msg);

/// Journals an error reply to `peer`.
void journal_out(const store_journal& log, const std::string& peer,
                 const caf::error& err);

/// Journals the message the actor is handling as an input from its sender,
/// who the reply will go to.
template <class Self>
void journal_request(Self* self) {
  auto& log = self->state.log;
  if (!log.hook.active())
    return;
  log.peer = log.hook.sender(self);
  auto& msg = self->current_mailbox_element()->content();
  log.hook.in(log.peer, kind_of(msg), message_fields(self->system(), msg,
                                                     true));
}

/// Journals the answer `x` to the request being handled (unless it is a
/// promise, journaled when kept), and returns it.
template <class Self, class... Ts>
caf::result<Ts...> journal_result(Self* self, caf::result<Ts...> x) {
  auto& log = self->state.log;
  if (!log.hook.active())
    return x;
  if (x.flag == caf::rt_value)
    journal_out(self->system(), log, log.peer, x.value);
  else if (x.flag == caf::rt_error)
    journal_out(log, log.peer, x.err);
  return x;
}

/// Journals the reply `x` to the request being handled, and returns it.
template <class Self, class T>
T journal_reply(Self* self, T x) {
  auto& log = self->state.log;
  if (log.hook.active())
    journal_out(self->system(), log, log.peer, caf::make_message(x));
  return x;
}

} // namespace ha
