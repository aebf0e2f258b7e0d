#pragma once

// Mutual TLS on the CAF network, from the `ha.tls.*` keys.
//
// With `ha.tls.certificate`, `ha.tls.key` and `ha.tls.ca-file` set, every
// connection of this process goes through CAF's openssl module. CAF 0.17
// then verifies the peer on both ends (SSL_VERIFY_PEER together with
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT, ciphers "HIGH:!aNULL:!MD5"): a server
// refuses a client without a certificate signed by the CA, and a client
// refuses such a server. CAF does not check host names: any certificate the
// CA signed is accepted from any address, so give each cluster its own CA.
// With none of the keys set, the process speaks plain TCP.

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/remote_actor.hpp>

#include "caf_ha/actors/net/peer_guard.hpp"

namespace ha {

class config;

/// Checks the `ha.tls.*` keys and, if they are set, loads CAF's openssl
/// module into `sys_cfg` and hands it the files. Call after loading the
/// middleman and before creating the actor system. Fails with
/// invalid_config naming the key when only some of certificate, key and
/// ca-file are set, when a file cannot be read, or when OpenSSL rejects it
/// (not PEM, a key that does not match the certificate, a wrong
/// passphrase): CAF itself would only find out at the first connection,
/// and throw from its network thread.
caf::error apply_tls_settings(caf::actor_system_config& sys_cfg,
                              const config& cfg);

/// True if `sys` was configured for TLS by `apply_tls_settings`.
inline bool uses_tls(caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

/// Publishes `whom` on `host`:`port` (0 picks a free port) over TLS or
/// plain TCP, as `whom`'s actor system was configured, guarded either way
/// (actors/net/peer_guard.hpp); returns the port.
template <class Handle>
caf::expected<uint16_t> publish(const Handle& whom, uint16_t port,
                                const std::string& host) {
  auto& sys = whom.home_system();
  return publish_guarded(sys, caf::actor_cast<caf::strong_actor_ptr>(whom),
                         sys.message_types(whom), port, host);
}

/// Connects to the actor published on `host`:`port` over TLS or plain TCP,
/// as `sys` was configured.
template <class Handle>
caf::expected<Handle> remote_actor(caf::actor_system& sys,
                                   const std::string& host, uint16_t port) {
  if (uses_tls(sys))
    return caf::openssl::remote_actor<Handle>(sys, host, port);
  return sys.middleman().remote_actor<Handle>(host, port);
}

} // namespace ha
