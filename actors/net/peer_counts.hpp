#pragma once

#include <cstdint>

namespace ha {

/// What the peer guard (actors/net/peer_guard.hpp) has seen in this
/// process, over every guarded listener: for the metrics.
struct peer_counts {
  /// Connections accepted so far.
  uint64_t accepted = 0;
  /// Accepted connections not yet closed.
  uint64_t open = 0;
  /// Connections dropped for breaking the wire rules or without a TLS
  /// session.
  uint64_t refused = 0;
};

peer_counts current_peer_counts();

/// Called by the guard.
void count_peer_accepted();
void count_peer_closed();
void count_peer_refused();

} // namespace ha
