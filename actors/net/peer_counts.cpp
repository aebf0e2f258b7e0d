#include "caf_ha/actors/net/peer_counts.hpp"

#include <atomic>

namespace ha {

namespace {

std::atomic<uint64_t> accepted{0};
std::atomic<uint64_t> closed{0};
std::atomic<uint64_t> refused{0};

} // namespace

peer_counts current_peer_counts() {
  peer_counts result;
  // Closed first: `open` must never read as negative.
  auto gone = closed.load();
  result.accepted = accepted.load();
  result.open = result.accepted - gone;
  result.refused = refused.load();
  return result;
}

void count_peer_accepted() {
  ++accepted;
}

void count_peer_closed() {
  ++closed;
}

void count_peer_refused() {
  ++refused;
}

} // namespace ha
