#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/messages/services_link.hpp"

namespace ha {

class config;

/// How a client reconnects to ha-node: the first retry waits
/// `initial_backoff`, each further one twice as long, at most
/// `max_backoff`; after `max_attempts` failed attempts in a row (0: never)
/// the link gives up.
struct reconnect_policy {
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  int64_t max_attempts = 0;
};

/// The policy of the `ha.client.reconnect.*` options.
reconnect_policy reconnect_policy_from(const config& cfg);

/// Where a services link connects to and how it retries.
struct services_link_config {
  std::string host;
  uint16_t port = 0;
  reconnect_policy policy;
  /// A root already connected to by `ha::connect`, or none: the link then
  /// connects first.
  ha_services_actor root;
};

/// Keeps a connection to the ha-node at host:port. It monitors the node's
/// root: when the node dies or the connection times out (ha.heartbeat.*),
/// every subscriber gets `disconnected` at once, and the link reconnects
/// with exponential backoff (connecting blocks, so each attempt runs on a
/// detached worker). Each success is announced with `connected` and the
/// new root. When it gives up, subscribers get a last `disconnected` and
/// the link quits. Quits on an exit message; nothing else stops it.
services_link_actor spawn_services_link(caf::actor_system& sys,
                                        services_link_config cfg);

/// Connects to the ha-node at host:port and returns a link that keeps the
/// connection, reconnecting by the `ha.client.reconnect.*` policy of `cfg`.
/// Blocks the calling thread until the node answers or the attempt fails
/// (backend_unavailable naming the address): call it from main or another
/// plain thread, never from inside an actor. The link quits on an exit
/// message; send one when the program ends.
caf::expected<services_link_actor> connect_link(caf::actor_system& sys,
                                                const std::string& host,
                                                uint16_t port,
                                                const config& cfg);

} // namespace ha
