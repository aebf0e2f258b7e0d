#pragma once

// Bytes a hostile peer (or a forged journal) sends: CAF messages whose sizes
// lie, and the peak memory that shows whether anybody believed them.

#include <sys/resource.h>

#include <cstdint>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/messages/blob_store.hpp"

namespace ha::test {

/// CAF's bytes of `upload_chunk(1, chunk)` whose chunk announces `claimed`
/// bytes and carries none: whoever trusts the size allocates it.
inline std::vector<char> chunk_claiming(caf::actor_system& sys,
                                        uint32_t claimed) {
  auto msg = caf::make_message(upload_chunk_atom::value, uint64_t{1},
                               std::vector<uint8_t>{});
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(caf::message::save(sink, msg.content()));
  // The chunk comes last: its size is the final byte, a varint 0.
  buf.pop_back();
  for (; claimed >= 0x80; claimed >>= 7)
    buf.push_back(static_cast<char>((claimed & 0x7f) | 0x80));
  buf.push_back(static_cast<char>(claimed));
  return buf;
}

/// The most memory this process ever had resident, in MiB.
inline long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

} // namespace ha::test
