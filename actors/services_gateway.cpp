#include "caf_ha/actors/services_gateway.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>

#include <caf/actor_system.hpp>
#include <caf/actor_registry.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/sha256.hpp"
#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/config/secret_file.hpp"
#include "caf_ha/actors/net/tls.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ids.hpp"
#include "caf_ha/messages/leader_info.hpp"

namespace ha {

namespace {

struct gateway_state {
  ha_services_actor root;
  /// SHA-256 of the admin secret, if one is configured: comparing digests
  /// takes the same time whatever the length of what a peer sends.
  std::optional<sha256::digest> secret_digest;
  peer_warnings warnings{"services gateway"};

  static inline const char* name = "services_gateway";
};

using gateway_pointer = ha_services_actor::stateful_pointer<gateway_state>;

sha256::digest digest_of(const std::string& text) {
  sha256 hasher;
  hasher.update(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return hasher.finish();
}

/// Asks the root and relays its answer: the reply comes from the gateway,
/// so the root never becomes known to a peer.
template <class... Rs, class... Ts>
caf::result<Rs...> relay(gateway_pointer self, Ts... xs) {
  auto rp = self->template make_response_promise<Rs...>();
  self->request(self->state.root, caf::infinite, std::move(xs)...)
    .then([rp](Rs&... ys) mutable { rp.deliver(std::move(ys)...); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// None if `given` is the admin secret; `action` completes "... may not"
/// in the error ("close the services").
caf::error check_secret(gateway_pointer self, const std::string& given,
                        const char* action) {
  auto& st = self->state;
  const char* problem = nullptr;
  if (!st.secret_digest)
    problem = "no admin secret is configured (ha.admin.secret-file), so "
              "remote peers may not";
  else if (given.empty())
    problem = "no admin secret given: remote peers need the one of "
              "ha.admin.secret-file to";
  else if (CRYPTO_memcmp(digest_of(given).data(), st.secret_digest->data(),
                         st.secret_digest->size())
           != 0)
    problem = "wrong admin secret: remote peers need the one of "
              "ha.admin.secret-file to";
  if (problem == nullptr)
    return caf::none;
  st.warnings.warn_once(self, std::string{"a request to "} + action
                                + " without the admin secret");
  return make_error(errc::permission_denied,
                    std::string{problem} + " " + action);
}

/// "transfer of COMPONENT to ADDRESS requested by NODE": what an operator
/// did, for the log; the peer's values only once they are valid (a log line
/// must not carry what a peer made up).
std::string describe_transfer(gateway_pointer self,
                              const std::string& component,
                              const std::string& to) {
  auto name = component::canonical(component);
  if (!name || check_leader_address(to))
    return "a malformed transfer requested by a remote peer";
  auto& sender = self->current_sender();
  return "transfer of " + *name + " to " + to + " requested by "
         + (sender ? "node " + to_string(sender->node()) : "a remote peer");
}

ha_services_actor::behavior_type
services_gateway(gateway_pointer self, ha_services_actor root,
                 std::optional<std::string> secret) {
  auto& st = self->state;
  st.root = root;
  if (secret)
    st.secret_digest = digest_of(*secret);
  // Monitored, not linked: a gateway that failed to publish must be able to
  // go without taking the root along.
  self->monitor(root);
  self->set_down_handler(
    [self](const caf::down_msg& msg) { self->quit(msg.reason); });
  refuse_unexpected(self, "services gateway");
  using caf::get_atom;
  return {
    [self](get_atom g, elector_atom x, const std::string& name) {
      return relay<elector_actor>(self, g, x, name);
    },
    [self](get_atom g, retriever_atom x, const std::string& name) {
      return relay<retriever_actor>(self, g, x, name);
    },
    [self](get_atom g, mode_atom x) {
      return relay<std::string, std::string>(self, g, x);
    },
    [self](get_atom g, job_graphs_atom x) {
      return relay<job_graph_store_actor>(self, g, x);
    },
    [self](get_atom g, job_results_atom x) {
      return relay<job_result_store_actor>(self, g, x);
    },
    [self](get_atom g, registry_atom x) {
      return relay<running_jobs_registry_actor>(self, g, x);
    },
    [self](get_atom g, checkpoints_atom x) {
      return relay<checkpoint_store_actor>(self, g, x);
    },
    [self](get_atom g, blobs_atom x) {
      return relay<blob_store_actor>(self, g, x);
    },
    [self](get_atom g, status_atom x) {
      return relay<node_status>(self, g, x);
    },
    [self](caf::close_atom x,
           const std::string& secret) -> caf::result<caf::ok_atom> {
      if (auto err = check_secret(self, secret, "close the services"))
        return err;
      logger("node")->info("close requested by a remote peer");
      return relay<caf::ok_atom>(self, x, std::string{});
    },
    [self](transfer_atom x, const std::string& component,
           const std::string& to,
           const std::string& secret) -> caf::result<caf::ok_atom> {
      if (auto err = check_secret(self, secret, "transfer leadership"))
        return err;
      logger("node")->info("{}", describe_transfer(self, component, to));
      return relay<caf::ok_atom>(self, x, component, to, std::string{});
    },
    [self](cleanup_atom x,
           const std::string& secret) -> caf::result<caf::ok_atom> {
      if (auto err = check_secret(self, secret, "clean up the services"))
        return err;
      logger("node")->info("cleanup requested by a remote peer");
      return relay<caf::ok_atom>(self, x, std::string{});
    },
  };
}

caf::expected<std::optional<std::string>> admin_secret(const config& cfg) {
  auto& path = cfg.get_string("ha.admin.secret-file");
  if (path.empty())
    return std::optional<std::string>{};
  auto secret = read_secret_file("ha.admin.secret-file", path);
  if (!secret)
    return std::move(secret.error());
  return std::optional<std::string>{std::move(*secret)};
}

/// Why listening on `host`:`port` fails, as the system says it ("address
/// already in use"): CAF 0.17 reports only "tcp socket creation failed".
/// Binds a probe socket the way CAF does (SO_REUSEADDR); empty if that
/// works now.
std::string bind_failure(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (auto rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                              service.c_str(), &hints, &found);
      rc != 0)
    return ::gai_strerror(rc);
  std::string cause;
  auto fd = ::socket(found->ai_family, found->ai_socktype, 0);
  int on = 1;
  if (fd < 0
      || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0
      || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0)
    cause = std::strerror(errno);
  if (fd >= 0)
    ::close(fd);
  ::freeaddrinfo(found);
  if (!cause.empty())
    cause[0] = static_cast<char>(std::tolower(cause[0]));
  return cause;
}

} // namespace

caf::error check_listen_address(caf::actor_system& sys, const config& cfg) {
  auto& host = cfg.get_string("ha.node.host");
  if (uses_tls(sys) || is_loopback(host)
      || cfg.get_string("ha.node.allow-plaintext") == "true")
    return caf::none;
  return make_error(errc::invalid_config,
                    "refusing to listen on " + host
                      + " without mutual TLS: set ha.tls.certificate, "
                        "ha.tls.key and ha.tls.ca-file, or "
                        "ha.node.allow-plaintext: true");
}

bool is_loopback(const std::string& host) {
  if (host == "localhost")
    return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1
         && IN6_IS_ADDR_LOOPBACK(&v6);
}

ha_services_actor spawn_services_gateway(caf::actor_system& sys,
                                         ha_services_actor root,
                                         std::optional<std::string> secret) {
  return sys.spawn(services_gateway, std::move(root), std::move(secret));
}

caf::expected<published_services>
publish_services(caf::actor_system& sys, const ha_services_actor& root,
                 const config& cfg) {
  auto host = cfg.get_string("ha.node.host");
  if (auto err = check_listen_address(sys, cfg))
    return err;
  auto secret = admin_secret(cfg);
  if (!secret)
    return std::move(secret.error());
  // CAF 0.17 registers these by name, and a peer can address a named actor
  // without holding a handle: the configuration server stores whatever it
  // is sent and hands out every named actor.
  for (auto name : {"ConfigServ", "SpawnServ", "StreamServ"})
    sys.registry().erase(caf::atom_from_string(name));
  published_services result;
  result.gateway = spawn_services_gateway(sys, root, std::move(*secret));
  auto port = publish(result.gateway,
                      static_cast<uint16_t>(cfg.get_int("ha.node.port")), host);
  if (!port) {
    caf::anon_send_exit(result.gateway, caf::exit_reason::user_shutdown);
    auto wanted = static_cast<uint16_t>(cfg.get_int("ha.node.port"));
    auto cause = bind_failure(host, wanted);
    return make_error(errc::backend_unavailable,
                      "cannot listen on " + host + ":"
                        + std::to_string(wanted) + ": "
                        + (cause.empty() ? sys.render(port.error()) : cause));
  }
  result.port = *port;
  return result;
}

} // namespace ha
