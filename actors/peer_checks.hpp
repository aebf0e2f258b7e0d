#pragma once

#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

namespace ha {

/// Logs what a peer sent outside an actor's protocol, once per peer node:
/// a hostile peer must not be able to flood the log, and an operator still
/// learns that someone tried. At most `max_remembered` peers are told apart;
/// past that, further peers are not logged.
class peer_warnings {
public:
  static constexpr size_t max_remembered = 1024;

  explicit peer_warnings(std::string actor_name = "actor");

  /// Logs "<actor> dropped <what> from <sender's node>" unless that node was
  /// logged already.
  void warn_once(caf::local_actor* self, const std::string& what);

private:
  struct seen_nodes;
  std::string actor_name_;
  std::shared_ptr<seen_nodes> seen_;
};

/// Makes `self` refuse every message outside its behaviour: a request is
/// answered with `sec::unexpected_message`, anything else is dropped, and
/// the first such message of each peer is logged. CAF's default would print
/// each one to stderr.
void refuse_unexpected(caf::scheduled_actor* self, std::string actor_name);

/// None if the current message comes from the process of `member`;
/// otherwise permission_denied naming `what`. A peer may join, remove or
/// speak for its own actors only: not, with a handle it made up, for
/// another peer's.
caf::error check_own_member(caf::local_actor* self,
                            const caf::actor_addr& member,
                            const std::string& what);

/// True if the current message comes from this process: a timer's or the
/// actor's own (a store's flush, poll or tick). Peers cannot send such a
/// message: a direct message from a peer always names a sender on the
/// peer's node, and the peer guard drops routed messages, the only ones
/// that could name a local sender. One from a peer is logged, once per
/// peer and `kind`, and is to be dropped.
bool from_this_process(caf::local_actor* self, const char* kind);

} // namespace ha
