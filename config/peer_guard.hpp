#pragma once

// A guard between accepted peers and CAF 0.17's BASP broker, on plain TCP
// and on TLS alike. CAF trusts the headers a peer sends: a handshake header
// without payload makes it dereference a null pointer (the process dies of
// SIGSEGV), and a header announcing a 4 GiB payload makes its network thread
// allocate and zero 4 GiB before reading a byte of it, stalling every other
// peer. Two more would let a peer step outside the handles it was given: a
// message to an actor *by name* (CAF registers its configuration server
// under a name, which stores whatever it is sent; only the short greeting
// every CAF node sends to a new peer's spawn server passes), and a *routed*
// message, which names any node as its source and which CAF forwards to
// other peers connected to us. The guard reads each header before CAF does and drops the
// peer, with a warning naming its address, when the header is not one a
// client sends or announces more than `max_peer_message_size`.

#include <cstdint>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

namespace ha {

/// The largest BASP payload an accepted peer may announce: our largest
/// messages carry 8 MiB of data (a blob chunk at the store's limit,
/// actors/blob_store.hpp, or a record at the stores' limit,
/// `max_record_payload` in messages/metadata.hpp), plus 1 MiB for everything
/// around it.
constexpr uint32_t max_peer_message_size = 9 * 1024 * 1024;

/// Publishes `whom` (with the message types `sigs`) on `host`:`port` like
/// `middleman::publish`, over TLS if `sys` has CAF's openssl manager and
/// over plain TCP otherwise; every connection accepted there is guarded.
/// Returns the port (0 picks a free one).
caf::expected<uint16_t> publish_guarded(caf::actor_system& sys,
                                        caf::strong_actor_ptr whom,
                                        std::set<std::string> sigs,
                                        uint16_t port,
                                        const std::string& host);

} // namespace ha
