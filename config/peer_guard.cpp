#include "config/peer_guard.hpp"

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/function_view.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/scribe_impl.hpp>

#include "config/logging.hpp"

namespace ha {

namespace {

namespace basp = caf::io::basp;
namespace network = caf::io::network;

/// Why a peer that connected to us must not send `hdr`, or nullptr.
const char* header_problem(const basp::header& hdr) {
  switch (hdr.operation) {
    case basp::message_type::client_handshake:
      return hdr.payload_len == 0 ? "a handshake without payload" : nullptr;
    case basp::message_type::direct_message:
    case basp::message_type::routed_message:
    case basp::message_type::monitor_message:
    case basp::message_type::down_message:
    case basp::message_type::heartbeat:
      return hdr.payload_len > max_peer_message_size
               ? "a message over the size limit"
               : nullptr;
    default:
      // Includes server_handshake: only the accepting side sends one.
      return "an unknown or unexpected message type";
  }
}

/// A connection accepted from a peer. CAF reads BASP in exact chunks: a
/// header, then the payload it announced. Headers are checked here, before
/// the broker sizes its buffer for the payload.
class guarded_scribe : public network::scribe_impl {
public:
  guarded_scribe(network::default_multiplexer& mpx, network::native_socket fd)
    : scribe_impl(mpx, fd) {
  }

  bool consume(caf::execution_unit* ctx, const void* buf,
               size_t size) override {
    if (awaiting_payload_ || size != basp::header_size) {
      awaiting_payload_ = false;
      return scribe_impl::consume(ctx, buf, size);
    }
    basp::header hdr;
    caf::binary_deserializer source{ctx, static_cast<const char*>(buf), size};
    auto problem = source(hdr) ? "a malformed header" : header_problem(hdr);
    if (problem != nullptr) {
      logger("net")->warn("dropping peer {}:{}: it sent {} ({}, {} bytes "
                          "announced)",
                          addr(), port(), problem, to_string(hdr.operation),
                          hdr.payload_len);
      // The broker learns of it as a closed connection and forgets it.
      io_failure(ctx, network::operation::read);
      return false;
    }
    awaiting_payload_ = hdr.payload_len > 0;
    return scribe_impl::consume(ctx, buf, size);
  }

private:
  bool awaiting_payload_ = false;
};

class guarded_doorman : public network::doorman_impl {
public:
  using doorman_impl::doorman_impl;

  bool new_connection() override {
    // Same steps as doorman_impl, with our scribe.
    if (detached())
      return false;
    auto& mpx = acceptor_.backend();
    caf::io::scribe_ptr peer
      = caf::make_counted<guarded_scribe>(mpx, acceptor_.accepted_socket());
    auto hdl = peer->hdl();
    parent()->add_scribe(std::move(peer));
    return doorman::new_connection(&mpx, hdl);
  }
};

/// CAF's middleman actor, opening guarded listeners: publishing through it
/// hands the listener to the same BASP broker as usual.
class guarded_middleman_actor : public caf::io::middleman_actor_impl {
public:
  guarded_middleman_actor(caf::actor_config& cfg, caf::actor broker)
    : middleman_actor_impl(cfg, std::move(broker)) {
  }

  const char* name() const override {
    return "guarded_middleman_actor";
  }

protected:
  caf::expected<caf::io::doorman_ptr>
  open(uint16_t port, const char* addr, bool reuse) override {
    auto fd = network::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    auto& mpx = static_cast<network::default_multiplexer&>(
      system().middleman().backend());
    return caf::make_counted<guarded_doorman>(mpx, *fd);
  }
};

} // namespace

caf::expected<uint16_t> publish_guarded(caf::actor_system& sys,
                                        caf::strong_actor_ptr whom,
                                        std::set<std::string> sigs,
                                        uint16_t port,
                                        const std::string& host) {
  auto broker = sys.middleman().named_broker<caf::io::basp_broker>(
    caf::atom("BASP"));
  auto opener = sys.spawn<guarded_middleman_actor, caf::hidden>(broker);
  auto publish = caf::make_function_view(opener);
  auto result = publish(caf::publish_atom::value, port, std::move(whom),
                        std::move(sigs), host, true);
  // The broker owns the listener now; the opener is not needed any more.
  caf::anon_send_exit(opener, caf::exit_reason::user_shutdown);
  return result;
}

} // namespace ha
