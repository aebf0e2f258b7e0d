#pragma once

// A guard between accepted peers and CAF 0.17's BASP broker, on plain TCP
// and on TLS alike: it reads every header and payload a peer sends before
// CAF does, and drops the peer, with a warning naming its address, on
// anything our clients do not send (the rules are in actors/net/basp_filter.hpp).
// CAF itself trusts them: a handshake header without payload makes it
// dereference a null pointer, a header announcing 4 GiB makes its network
// thread allocate 4 GiB, and several kinds of message would let a peer act
// beyond the handles it was given.

#include <cstddef>
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

/// The most ha-node queues for one accepted peer beyond what its socket
/// takes: a peer that leaves more unread is dropped. Our clients keep at
/// most a few answers in flight (hactl and blob_client: 4 blob chunks of at
/// most 8 MiB).
constexpr size_t max_peer_unread_bytes = 64 * 1024 * 1024;

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
