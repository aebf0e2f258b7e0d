#include "caf_ha/actors/client/services_link.hpp"

#include <algorithm>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

using attempt_atom = caf::atom_constant<caf::atom("attempt")>;

/// The link also schedules its own connection attempts.
using link_impl
  = services_link_actor::extend<caf::reacts_to<attempt_atom>>;

struct link_state {
  services_link_config cfg;
  ha_services_actor root;
  std::vector<link_subscriber_actor> subscribers;
  int64_t failed_attempts = 0;
  std::chrono::milliseconds backoff{0};

  std::string where() const {
    return cfg.host + ":" + std::to_string(cfg.port);
  }

  static inline const char* name = "services_link";
};

using link_pointer = link_impl::stateful_pointer<link_state>;

template <class... Ts>
void tell_subscribers(link_pointer self, const Ts&... xs) {
  for (auto& subscriber : self->state.subscribers)
    self->send(subscriber, xs...);
}

/// Retries after the current backoff, which doubles up to its maximum.
void schedule_attempt(link_pointer self) {
  auto& st = self->state;
  self->delayed_send(self, st.backoff, attempt_atom::value);
  st.backoff = std::min(st.backoff * 2, st.cfg.policy.max_backoff);
}

void on_connected(link_pointer self, ha_services_actor root) {
  auto& st = self->state;
  logger("net")->info("connected to ha-node at {}", st.where());
  st.root = std::move(root);
  st.failed_attempts = 0;
  st.backoff = st.cfg.policy.initial_backoff;
  self->monitor(st.root);
  tell_subscribers(self, connected_atom::value, st.root);
}

void on_attempt_failed(link_pointer self, const caf::error& err) {
  auto& st = self->state;
  ++st.failed_attempts;
  auto max = st.cfg.policy.max_attempts;
  if (max > 0 && st.failed_attempts >= max) {
    auto msg = "gave up reconnecting to ha-node at " + st.where() + " after "
               + std::to_string(max) + " attempts: " + describe(err);
    logger("net")->error("{}", msg);
    auto gave_up = make_error(errc::backend_unavailable, msg);
    tell_subscribers(self, disconnected_atom::value, gave_up);
    // Whoever monitors the link (or a proxy ending with it) learns why.
    self->quit(gave_up);
    return;
  }
  logger("net")->debug("attempt {} to reach ha-node at {} failed, next in {} "
                       "ms: {}",
                       st.failed_attempts, st.where(), st.backoff.count(),
                       describe(err));
  schedule_attempt(self);
}

/// Connects on a detached worker: `ha::connect` blocks until the node
/// answers or the connection fails.
caf::behavior connect_worker(caf::event_based_actor* self, std::string host,
                             uint16_t port) {
  return {
    [=](attempt_atom) -> caf::result<ha_services_actor> {
      self->quit();
      auto root = connect(self->system(), host, port);
      if (!root)
        return std::move(root.error());
      return *root;
    },
  };
}

void attempt(link_pointer self) {
  auto& cfg = self->state.cfg;
  auto worker = self->spawn<caf::detached>(connect_worker, cfg.host, cfg.port);
  self->request(worker, caf::infinite, attempt_atom::value)
    .then([=](ha_services_actor root) { on_connected(self, std::move(root)); },
          [=](const caf::error& err) { on_attempt_failed(self, err); });
}

void on_down(link_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (msg.source != st.root.address()) {
    auto& subs = st.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const link_subscriber_actor& x) {
                                return x.address() == msg.source;
                              }),
               subs.end());
    return;
  }
  auto reason = "lost the connection to ha-node at " + st.where() + ": "
                + self->system().render(msg.reason);
  logger("net")->warn("{}; reconnecting", reason);
  st.root = nullptr;
  tell_subscribers(self, disconnected_atom::value,
                   make_error(errc::backend_unavailable, reason));
  schedule_attempt(self);
}

link_impl::behavior_type services_link(link_pointer self,
                                       services_link_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.backoff = st.cfg.policy.initial_backoff;
  self->set_down_handler([self](const caf::down_msg& msg) {
    on_down(self, msg);
  });
  if (st.cfg.root)
    on_connected(self, std::move(st.cfg.root));
  else
    self->send(self, attempt_atom::value);
  return {
    [self](caf::get_atom) -> caf::result<ha_services_actor> {
      auto& st = self->state;
      if (st.root)
        return st.root;
      return make_error(errc::backend_unavailable,
                        "not connected to ha-node at " + st.where()
                          + " (reconnecting)");
    },
    [self](join_atom, link_subscriber_actor subscriber) {
      self->monitor(subscriber);
      self->state.subscribers.push_back(subscriber);
      if (self->state.root)
        self->send(subscriber, connected_atom::value, self->state.root);
    },
    [self](attempt_atom) { attempt(self); },
  };
}

} // namespace

reconnect_policy reconnect_policy_from(const config& cfg) {
  reconnect_policy result;
  result.initial_backoff = std::chrono::milliseconds{
    cfg.get_int("ha.client.reconnect.initial-backoff")};
  result.max_backoff = std::chrono::milliseconds{
    cfg.get_int("ha.client.reconnect.max-backoff")};
  result.max_attempts = cfg.get_int("ha.client.reconnect.max-attempts");
  return result;
}

services_link_actor spawn_services_link(caf::actor_system& sys,
                                        services_link_config cfg) {
  return caf::actor_cast<services_link_actor>(
    sys.spawn(services_link, std::move(cfg)));
}

caf::expected<services_link_actor> connect_link(caf::actor_system& sys,
                                                const std::string& host,
                                                uint16_t port,
                                                const config& cfg) {
  auto root = connect(sys, host, port);
  if (!root)
    return std::move(root.error());
  return spawn_services_link(
    sys, {host, port, reconnect_policy_from(cfg), std::move(*root)});
}

} // namespace ha
