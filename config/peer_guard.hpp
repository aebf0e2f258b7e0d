#pragma once

// A guard between accepted peers and CAF 0.17's BASP broker, for plain-TCP
// publishing. CAF trusts the headers a peer sends: a handshake header
// without payload makes it dereference a null pointer (the process dies of
// SIGSEGV), and a header announcing a 4 GiB payload makes its network thread
// allocate and zero 4 GiB before reading a byte of it, stalling every other
// peer. The guard reads each header before CAF does and drops the peer,
// with a warning naming its address, when the header is not one a client
// may send or announces more than `max_peer_message_size`.
//
// With TLS, CAF's openssl module accepts the connections and the guard is
// not in the path: only peers holding a certificate from the cluster's CA
// get to send BASP headers at all.

#include <cstdint>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

namespace ha {

/// The largest BASP payload an accepted peer may announce. Our largest
/// messages are blob chunks of at most 8 MiB (actors/blob_store.hpp).
constexpr uint32_t max_peer_message_size = 64 * 1024 * 1024;

/// Publishes `whom` (with the message types `sigs`) on `host`:`port` like
/// `middleman::publish`, but every connection accepted there is guarded.
/// Returns the port (0 picks a free one).
caf::expected<uint16_t> publish_guarded(caf::actor_system& sys,
                                        caf::strong_actor_ptr whom,
                                        std::set<std::string> sigs,
                                        uint16_t port,
                                        const std::string& host);

} // namespace ha
