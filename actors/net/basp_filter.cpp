#include "caf_ha/actors/net/basp_filter.hpp"

#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/error.hpp>
#include <caf/execution_unit.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/proxy_registry.hpp>
#include <caf/scoped_execution_unit.hpp>

#include "caf_ha/actors/net/peer_guard.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/bounded_deserializer.hpp"

namespace ha {

namespace {

namespace basp = caf::io::basp;

/// A handshake carries a node id and little else.
constexpr uint32_t max_handshake_size = 4096;

/// The nodes of the peers connected now, over every guarded connection.
struct connected_nodes {
  std::mutex mtx;
  std::set<caf::node_id> nodes;

  /// False if `nid` is connected already.
  bool claim(const caf::node_id& nid) {
    std::lock_guard<std::mutex> guard{mtx};
    return nodes.insert(nid).second;
  }

  void release(const caf::node_id& nid) {
    std::lock_guard<std::mutex> guard{mtx};
    nodes.erase(nid);
  }
};

connected_nodes& connected() {
  static connected_nodes result;
  return result;
}

/// Every CAF 0.17 node greets a new peer's spawn server by name (a short
/// `(sys, get, "info")`). ha-node removes that server from its registry
/// (actors/services_gateway.hpp), so the greeting reaches nobody.
bool is_spawn_server_hello(const basp::header& hdr) {
  constexpr uint32_t max_hello_size = 256;
  return hdr.dest_actor == static_cast<uint64_t>(caf::atom("SpawnServ"))
         && hdr.payload_len <= max_hello_size;
}

/// True for the ids of an ordinary message or request. ha-node asks its
/// peers nothing, so a response from a peer could only answer a request an
/// actor of ours made to somebody else: CAF matches responses by id alone.
bool is_plain_message_id(caf::message_id mid) {
  return !mid.is_response() && !mid.is_answered()
         && mid.category() == caf::message_id::normal_message_category;
}

/// The type names of the message in a direct message's payload (CAF 0.17
/// writes an empty forwarding stack as one 0 byte, then the message as a
/// 16-bit 0, the length of its type names as a variable-length integer and
/// the names, `@<>+@atom+@str...`), or nullopt for a payload that does not
/// start that way.
std::optional<std::string_view> message_types(const uint8_t* bytes,
                                              size_t size) {
  constexpr size_t names_start = 3;
  if (size < names_start + 1 || bytes[0] != 0 || bytes[1] != 0
      || bytes[2] != 0)
    return std::nullopt;
  size_t length = 0;
  size_t pos = names_start;
  for (int shift = 0; shift <= 28; shift += 7, ++pos) {
    if (pos == size)
      return std::nullopt;
    length |= static_cast<size_t>(bytes[pos] & 0x7f) << shift;
    if ((bytes[pos] & 0x80) == 0) {
      ++pos;
      if (size - pos < length)
        return std::nullopt;
      return std::string_view{reinterpret_cast<const char*>(bytes + pos),
                              length};
    }
  }
  return std::nullopt;
}

/// True if `types` is spelled exactly as CAF spells a message's types:
/// `@<>`, or `@<>` and one `+name` per element. CAF's reader skips empty
/// names, so `@<>+@exit+` would read as an exit message.
bool is_canonical(std::string_view types) {
  constexpr std::string_view empty = "@<>";
  if (types.substr(0, empty.size()) != empty)
    return false;
  auto rest = types.substr(empty.size());
  return rest.empty()
         || (rest.front() == '+' && rest.back() != '+'
             && rest.find("++") == std::string_view::npos);
}

/// True for the messages CAF acts on before any behaviour sees them: an
/// exit (a `kill` ends any actor), a down or an error message (the default
/// error handler ends the actor), a timeout, the stream protocol, and the
/// link request its proxies send (a peer linked to our actor could end it
/// by going away).
bool is_system_message(std::string_view types) {
  for (auto name : {"@<>+@exit", "@<>+@down", "@<>+@error", "@<>+@timeout",
                    "@<>+@group_down", "@<>+@open_stream_msg",
                    "@<>+@upstream_msg", "@<>+@downstream_msg",
                    "@<>+@atom+@strong_actor_ptr"})
    if (types == name)
      return true;
  return false;
}

/// Handles of actors on other nodes decode to null here: checking a payload
/// must not create proxies.
struct no_proxies final : caf::proxy_registry::backend {
  caf::strong_actor_ptr make_proxy(caf::node_id, caf::actor_id) override {
    return nullptr;
  }
  void set_last_hop(caf::node_id*) override {
  }
};

/// True if `read` decodes the whole payload within the bounds of
/// `bounded_deserializer`. CAF decodes it again afterwards, trusting every
/// size it reads: its decoding of a message is ours to check first.
template <class Read>
bool decodes(caf::execution_unit* ctx, const void* buf, size_t size,
             Read read) {
  no_proxies backend;
  caf::proxy_registry proxies{ctx->system(), backend};
  caf::scoped_execution_unit unit{&ctx->system()};
  unit.proxy_registry_ptr(&proxies);
  bounded_deserializer source{&unit, static_cast<const char*>(buf), size};
  auto err = read(source);
  return !err && !source.failed() && source.remaining() == 0;
}

const char* direct_message_problem(caf::execution_unit* ctx,
                                   const uint8_t* bytes, size_t size) {
  // A forwarding stack would make CAF pass our answer on to the actors it
  // names (any actor of ours a peer ever talked to, or another peer's).
  if (size > 0 && bytes[0] != 0)
    return "a message with a forwarding stack";
  auto types = message_types(bytes, size);
  if (!types || !is_canonical(*types))
    return "a message that is not laid out as CAF lays out one";
  if (is_system_message(*types))
    return "a system message (exit, down, error, link, stream)";
  auto read = [](caf::deserializer& source) {
    std::vector<caf::strong_actor_ptr> stages;
    caf::message msg;
    return source(stages, msg);
  };
  if (!decodes(ctx, bytes, size, read))
    return "a message that does not decode within its bounds";
  return nullptr;
}

const char* size_problem(const basp::header& hdr) {
  return hdr.payload_len > max_peer_message_size
           ? "a message over the size limit"
           : nullptr;
}

} // namespace

basp_filter::~basp_filter() {
  if (handshakes_ > 0)
    connected().release(peer_);
}

bool basp_filter::admit(caf::execution_unit* ctx, const void* buf,
                        size_t size, const std::string& addr, uint16_t port) {
  const char* problem = nullptr;
  if (awaiting_payload_) {
    awaiting_payload_ = false;
    problem = payload_problem(ctx, buf, size);
  } else if (size != basp::header_size) {
    problem = "a chunk of unexpected size";
  } else {
    caf::binary_deserializer source{ctx, static_cast<const char*>(buf), size};
    problem = source(pending_) ? "a malformed header"
                               : header_problem(pending_);
    awaiting_payload_ = problem == nullptr && pending_.payload_len > 0;
  }
  if (problem == nullptr)
    return true;
  logger("net")->warn("dropping peer {}:{}: it sent {} ({}, {} bytes "
                      "announced)",
                      addr, port, problem, to_string(pending_.operation),
                      pending_.payload_len);
  return false;
}

const char* basp_filter::header_problem(const basp::header& hdr) const {
  using op = basp::message_type;
  if (hdr.operation == op::client_handshake) {
    if (hdr.payload_len == 0)
      return "a handshake without payload";
    if (hdr.payload_len > max_handshake_size)
      return "a handshake over the size limit";
    auto selects = hdr.has(basp::header::select_connection_flag);
    if (handshakes_ >= 2 || selects != (handshakes_ == 1))
      return "a handshake out of order";
    return nullptr;
  }
  if (handshakes_ == 0 && hdr.operation != op::heartbeat)
    return "a message before its handshake";
  switch (hdr.operation) {
    case op::direct_message:
      if (hdr.has(basp::header::named_receiver_flag)
          && !is_spawn_server_hello(hdr))
        return "a message to an actor by name";
      if (!is_plain_message_id(caf::message_id{hdr.operation_data}))
        return "a response or a stream message";
      return size_problem(hdr);
    case op::monitor_message:
    case op::down_message:
    case op::heartbeat:
      return size_problem(hdr);
    case op::routed_message:
      // We route for nobody: a routed message could name any node as its
      // source, and reach other peers through us in our name.
      return "a message to be routed";
    default:
      // Includes server_handshake: only the accepting side sends one.
      return "an unknown or unexpected message type";
  }
}

const char* basp_filter::payload_problem(caf::execution_unit* ctx,
                                         const void* buf, size_t size) {
  using op = basp::message_type;
  caf::binary_deserializer source{ctx, static_cast<const char*>(buf), size};
  switch (pending_.operation) {
    case op::client_handshake: {
      caf::node_id claimed;
      if (source(claimed))
        return "a handshake without a node id";
      return handshake_problem(ctx, claimed);
    }
    case op::monitor_message:
    case op::down_message: {
      // CAF forwards either to the node it names, and a down message kills
      // ha-node's proxy of the actor it names on the node it names.
      caf::node_id from;
      caf::node_id to;
      if (source(from, to) || from != peer_ || to != ctx->system().node())
        return "a monitor or down message that is not from it to us";
      if (pending_.operation == op::down_message
          && !decodes(ctx, buf, size, [](caf::deserializer& down) {
               caf::node_id from;
               caf::node_id to;
               caf::error reason;
               return down(from, to, reason);
             }))
        return "a down message whose reason does not decode within its "
               "bounds";
      return nullptr;
    }
    case op::direct_message:
      return direct_message_problem(ctx, static_cast<const uint8_t*>(buf),
                                    size);
    default:
      return nullptr;
  }
}

const char* basp_filter::handshake_problem(caf::execution_unit* ctx,
                                           const caf::node_id& claimed) {
  if (handshakes_ == 1) {
    if (claimed != peer_)
      return "a second handshake in another node's name";
    handshakes_ = 2;
    return nullptr;
  }
  if (claimed == caf::none || claimed == ctx->system().node())
    return "a handshake without its own node id";
  // CAF would route the traffic of that peer to this connection.
  if (!connected().claim(claimed))
    return "a handshake in the name of a node connected already";
  peer_ = claimed;
  handshakes_ = 1;
  return nullptr;
}

} // namespace ha
