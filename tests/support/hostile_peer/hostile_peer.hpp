#pragma once

// hostile_peer: a real CAF client that attacks an ha-node with the handles
// the node's root hands out, one named attack per run, and prints one JSON
// line saying what happened. A typed handle restricts only the sender's
// compiler, so every attack casts the handles to `caf::actor` and sends
// what the protocol does not allow.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ha_services.hpp"

namespace ha::hostile {

using namespace std::chrono_literals;

/// What an attack works with: the connection and its `--name value`
/// options.
struct attack_context {
  caf::actor_system& sys;
  caf::scoped_actor& self;
  ha_services_actor root;
  std::map<std::string, std::string> options;
  /// Bound of every single request.
  std::chrono::milliseconds timeout = 10s;

  /// The option `name`, or `fallback` when it was not given.
  std::string option(const std::string& name,
                     const std::string& fallback = "") const;

  /// The option `--wait-ms` as a duration, `fallback_ms` when not given.
  std::chrono::milliseconds wait(const std::string& fallback_ms) const {
    return std::chrono::milliseconds{std::stoi(option("wait-ms", fallback_ms))};
  }

  /// The root as the untyped handle a hostile peer sends anything to.
  caf::actor any_root() const {
    return caf::actor_cast<caf::actor>(root);
  }
};

/// An attack: returns the JSON report ("outcome" and details); throws
/// std::runtime_error when it could not be run at all (e.g. a handle
/// could not be obtained).
using attack_fn = std::function<nlohmann::json(attack_context&)>;

/// Name of an error's code: the errc name, CAF's sec name, or CAF's
/// rendering of anything else.
std::string code_name(const caf::error& err);

/// {"outcome": "refused", "code": ..., "error": ...} for an error reply,
/// {"outcome": "accepted"} for none.
nlohmann::json verdict(const caf::error& err);

/// Sends a request with the context's timeout and waits for its answer.
template <class R, class... Ts>
caf::expected<R> ask(attack_context& ctx, const caf::actor& dest,
                     Ts&&... xs) {
  caf::expected<R> result = caf::sec::request_timeout;
  ctx.self->request(dest, ctx.timeout, std::forward<Ts>(xs)...)
    .receive([&](R& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

/// A service handle from the root; throws if the root refuses it.
template <class Handle, class... Ts>
caf::actor obtain(attack_context& ctx, Ts&&... xs) {
  auto handle = ask<Handle>(ctx, ctx.any_root(), caf::get_atom::value,
                            std::forward<Ts>(xs)...);
  if (!handle)
    throw std::runtime_error("the root refused a handle: "
                             + describe(handle.error()));
  return caf::actor_cast<caf::actor>(*handle);
}

/// Waits (at most `timeout`) until the connection to ha-node is gone, seen
/// as the down message of the monitored root. Other messages in the
/// mailbox are dropped.
bool connection_dropped(attack_context& ctx, std::chrono::milliseconds timeout);

/// The attacks of each theme, by name.
void add_blob_attacks(std::map<std::string, attack_fn>& attacks);
void add_election_attacks(std::map<std::string, attack_fn>& attacks);
void add_root_attacks(std::map<std::string, attack_fn>& attacks);

} // namespace ha::hostile
