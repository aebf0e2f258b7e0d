#pragma once

// What a peer may send ha-node on the wire: the rules of the peer guard
// (actors/net/peer_guard.hpp), one `basp_filter` per accepted connection.
//
// CAF 0.17 trusts what a peer writes into its BASP headers and payloads, and
// acts on several kinds of message before any behaviour or check of ours
// sees them. The filter admits what our clients send, in the order CAF's
// clients send it, and nothing else:
// - a handshake first (the client's node id), then at most one more that
//   selects this connection for the same node; never in ha-node's own name
//   or in the name of a peer connected elsewhere (CAF would route that
//   peer's traffic here);
// - monitor and down messages only from the peer's own node to ha-node
//   (CAF would otherwise forward them, or kill proxies of other peers);
// - ordinary direct messages and requests: no routed messages, no responses
//   or stream messages, no forwarding stacks, no system messages (exit,
//   down, error, link, timeout, stream) and no messages to actors by name
//   (but CAF's spawn server greeting, which reaches nobody);
// - no payload over `max_peer_message_size`, no handshake over 4 KiB;
// - a direct message or a down message's reason only if it decodes
//   completely within the bounds of messages/bounded_deserializer.hpp (no
//   size beyond the bytes sent, only the protocol's types): CAF allocates
//   whatever size a payload announces.

#include <cstddef>
#include <string>

#include <caf/fwd.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/node_id.hpp>

namespace ha {

class basp_filter {
public:
  basp_filter() = default;
  ~basp_filter();

  basp_filter(const basp_filter&) = delete;
  basp_filter& operator=(const basp_filter&) = delete;

  /// Takes the next chunk CAF read from the connection (a header, or the
  /// payload it announced); false if the peer must be dropped, after
  /// logging why with the peer's address.
  bool admit(caf::execution_unit* ctx, const void* buf, size_t size,
             const std::string& addr, uint16_t port);

private:
  const char* header_problem(const caf::io::basp::header& hdr) const;

  const char* payload_problem(caf::execution_unit* ctx, const void* buf,
                              size_t size);

  const char* handshake_problem(caf::execution_unit* ctx,
                                const caf::node_id& claimed);

  /// The header whose payload comes next, if any.
  caf::io::basp::header pending_;
  bool awaiting_payload_ = false;
  /// The peer's node, from its first handshake.
  caf::node_id peer_;
  int handshakes_ = 0;
};

} // namespace ha
