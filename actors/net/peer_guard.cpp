#include "caf_ha/actors/net/peer_guard.hpp"

#include <atomic>
#include <optional>
#include <string_view>
#include <utility>

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
#include <caf/io/network/stream_impl.hpp>
#include <caf/message_id.hpp>
#include <caf/openssl/session.hpp>
#include <openssl/err.h>
#include <sys/socket.h>

#include "caf_ha/actors/net/basp_filter.hpp"
#include "caf_ha/actors/net/peer_counts.hpp"
#include "caf_ha/config/logging.hpp"

namespace ha {

namespace {

namespace basp = caf::io::basp;
namespace network = caf::io::network;

/// A handle no connection of this process has had before. CAF names a
/// connection by its socket's number, and its BASP broker forgets a closed
/// connection only after the messages it read from it are delivered, while
/// the number is free again at once: a peer accepted on the same number in
/// between inherited the closed connection's state, and the late cleanup
/// then erased the new peer's route. ha-node sent that peer neither
/// heartbeats nor answers, and the peer gave up after its connection
/// timeout. Numbers above any socket number never come back.
caf::io::connection_handle fresh_connection_handle() {
  static std::atomic<int64_t> next{int64_t{1} << 32};
  return caf::io::connection_handle::from_int(next++);
}

/// Counts an accepted connection while it lives (actors/net/peer_counts.hpp).
struct counted_peer {
  counted_peer() {
    count_peer_accepted();
  }
  ~counted_peer() {
    count_peer_closed();
  }
  counted_peer(const counted_peer&) = delete;
  counted_peer& operator=(const counted_peer&) = delete;
};

/// Drops a peer that leaves more than `max_peer_unread_bytes` of answers
/// unread. CAF queues everything it sends a peer in memory, without bound:
/// a peer that asks for many large answers (blob chunks, graph pages) and
/// stops reading its socket would otherwise grow ha-node until it dies.
class unread_limit {
public:
  /// Checks what is still queued for the peer after a flush. Over the
  /// limit, the socket is shut down, so that CAF's event loop closes the
  /// connection as if the peer had hung up, and the queue is dropped.
  void check(std::vector<char>& queued, network::native_socket fd,
             const std::string& addr, uint16_t port) {
    if (!dropped_ && queued.size() <= max_peer_unread_bytes)
      return;
    if (!dropped_) {
      dropped_ = true;
      count_peer_refused();
      logger("net")->warn("dropping peer {}:{}: it left {} MiB of answers "
                          "unread (at most {} MiB)",
                          addr, port, queued.size() >> 20,
                          max_peer_unread_bytes >> 20);
      ::shutdown(fd, SHUT_RDWR);
    }
    std::vector<char>{}.swap(queued);
  }

private:
  bool dropped_ = false;
};

/// A plain TCP connection accepted from a peer.
class guarded_scribe : public network::scribe_impl {
public:
  guarded_scribe(network::default_multiplexer& mpx, network::native_socket fd)
    : scribe_impl(mpx, fd) {
    // The handle is also in the data message CAF fills for each read.
    hdl_ = fresh_connection_handle();
    msg().handle = hdl_;
  }

  bool consume(caf::execution_unit* ctx, const void* buf,
               size_t size) override {
    if (!filter_.admit(ctx, buf, size, addr(), port())) {
      count_peer_refused();
      // The broker learns of it as a closed connection and forgets it.
      io_failure(ctx, network::operation::read);
      return false;
    }
    return scribe_impl::consume(ctx, buf, size);
  }

  void flush() override {
    scribe_impl::flush();
    unread_.check(stream_.wr_buf(), stream_.fd(), addr(), port());
  }

private:
  basp_filter filter_;
  unread_limit unread_;
  counted_peer counted_;
};

/// Reads and writes through an OpenSSL session (CAF's openssl module), for
/// `network::stream_impl`.
class tls_policy {
public:
  explicit tls_policy(caf::openssl::session_ptr session)
    : session_(std::move(session)) {
  }

  // OpenSSL keeps one error queue per thread, and CAF's session reads it
  // with SSL_get_error without emptying it first: an error left behind by
  // one peer's connection (say, one that just went away) would make the
  // next read on another peer's connection look failed, and CAF would drop
  // that peer. Every call therefore starts on an empty queue, as OpenSSL's
  // documentation asks.
  network::rw_state read_some(size_t& result, network::native_socket fd,
                              void* buf, size_t len) {
    ERR_clear_error();
    return session_->read_some(result, fd, buf, len);
  }

  network::rw_state write_some(size_t& result, network::native_socket fd,
                               const void* buf, size_t len) {
    ERR_clear_error();
    return session_->write_some(result, fd, buf, len);
  }

  bool must_read_more(network::native_socket fd, size_t threshold) {
    return session_->must_read_more(fd, threshold);
  }

private:
  caf::openssl::session_ptr session_;
};

/// A TLS connection accepted from a peer: the same checks as for plain TCP,
/// on the decrypted stream. CAF's openssl module keeps its own scribe
/// private, so this is a scribe of its own over the module's public session.
class guarded_tls_scribe : public caf::io::scribe {
public:
  guarded_tls_scribe(network::default_multiplexer& mpx,
                     network::native_socket fd,
                     caf::openssl::session_ptr session)
    : scribe(fresh_connection_handle()),
      stream_(mpx, fd, std::move(session)) {
  }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
      // Schedules the socket for writing once, so that OpenSSL finishes its
      // handshake even before we have anything to send.
      stream_.force_empty_write(this);
    }
  }

  void ack_writes(bool enable) override {
    stream_.ack_writes(enable);
  }

  std::vector<char>& wr_buf() override {
    return stream_.wr_buf();
  }

  std::vector<char>& rd_buf() override {
    return stream_.rd_buf();
  }

  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }

  void flush() override {
    stream_.flush(this);
    unread_.check(stream_.wr_buf(), stream_.fd(), addr(), port());
  }

  std::string addr() const override {
    auto x = network::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = network::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override {
    stream_.activate(this);
  }

  void remove_from_loop() override {
    stream_.passivate();
  }

  bool consume(caf::execution_unit* ctx, const void* buf,
               size_t size) override {
    if (!filter_.admit(ctx, buf, size, addr(), port())) {
      count_peer_refused();
      io_failure(ctx, network::operation::read);
      return false;
    }
    return scribe::consume(ctx, buf, size);
  }

private:
  bool launched_ = false;
  network::stream_impl<tls_policy> stream_;
  basp_filter filter_;
  unread_limit unread_;
  counted_peer counted_;
};

class guarded_doorman : public network::doorman_impl {
public:
  guarded_doorman(network::default_multiplexer& mpx,
                  network::native_socket fd, bool tls)
    : doorman_impl(mpx, fd), tls_(tls) {
  }

  bool new_connection() override {
    // Same steps as CAF's doormen, with our scribes.
    if (detached())
      return false;
    auto& mpx = acceptor_.backend();
    auto peer = make_scribe(mpx, acceptor_.accepted_socket());
    if (!peer)
      return false;
    auto hdl = peer->hdl();
    parent()->add_scribe(std::move(peer));
    return doorman::new_connection(&mpx, hdl);
  }

private:
  caf::io::scribe_ptr make_scribe(network::default_multiplexer& mpx,
                                  network::native_socket fd) {
    if (!tls_)
      return caf::make_counted<guarded_scribe>(mpx, fd);
    network::nonblocking(fd, true);
    ERR_clear_error(); // See tls_policy.
    auto session = caf::openssl::make_session(parent()->system(), fd, true);
    if (!session) {
      logger("net")->warn("dropping a peer: no TLS session for it");
      count_peer_refused();
      network::close_socket(fd);
      return nullptr;
    }
    return caf::make_counted<guarded_tls_scribe>(mpx, fd, std::move(session));
  }

  bool tls_;
};

/// CAF's middleman actor, opening guarded listeners: publishing through it
/// hands the listener to the same BASP broker as usual.
class guarded_middleman_actor : public caf::io::middleman_actor_impl {
public:
  guarded_middleman_actor(caf::actor_config& cfg, caf::actor broker, bool tls)
    : middleman_actor_impl(cfg, std::move(broker)), tls_(tls) {
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
    return caf::make_counted<guarded_doorman>(mpx, *fd, tls_);
  }

private:
  bool tls_;
};

} // namespace

caf::expected<uint16_t> publish_guarded(caf::actor_system& sys,
                                        caf::strong_actor_ptr whom,
                                        std::set<std::string> sigs,
                                        uint16_t port,
                                        const std::string& host) {
  auto broker = sys.middleman().named_broker<caf::io::basp_broker>(
    caf::atom("BASP"));
  auto opener = sys.spawn<guarded_middleman_actor, caf::hidden>(
    broker, sys.has_openssl_manager());
  auto publish = caf::make_function_view(opener);
  auto result = publish(caf::publish_atom::value, port, std::move(whom),
                        std::move(sigs), host, true);
  // The broker owns the listener now; the opener is not needed any more.
  caf::anon_send_exit(opener, caf::exit_reason::user_shutdown);
  return result;
}

} // namespace ha
