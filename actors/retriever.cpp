#include "caf_ha/actors/retriever.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/journal/journal_hook.hpp"
#include "caf_ha/actors/journal/journaled_driver.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/actors/same_actor.hpp"
#include "caf_ha/actors/spread_send.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

struct retriever_state {
  retriever_config cfg;
  std::vector<listener_actor> listeners;
  /// Empty until the driver reported the first state.
  std::optional<leader_info> current;
  /// `get` requests that came before the driver's first report, with the
  /// journal names of their senders.
  std::vector<std::pair<std::string, caf::typed_response_promise<leader_info>>>
    waiting_gets;
  journal_hook journal;
  std::shared_ptr<spdlog::logger> log = logger("retrieval");
  /// Where the driver reports: never handed to anyone.
  caf::actor inbox;
  idle_timer idle;
  peer_warnings warnings;

  static inline const char* name = "retriever";
};

using retriever_pointer = retriever_impl::stateful_pointer<retriever_state>;

auto find_listener(retriever_state& st, const caf::actor_addr& addr) {
  return std::find_if(st.listeners.begin(), st.listeners.end(),
                      [&](auto& x) { return same_actor(x, addr); });
}

std::string listener_name(retriever_pointer self,
                          const listener_actor& listener) {
  return self->state.journal.name(listener.address(), "listener");
}

void notify(retriever_pointer self, const listener_actor& listener,
            const caf::message& msg) {
  spread_send(self->ctrl(), listener, msg);
}

void tell_leader(retriever_pointer self, const listener_actor& listener,
                 const caf::message& msg, const leader_info& info) {
  auto& st = self->state;
  if (st.journal.active())
    st.journal.out(listener_name(self, listener), "leader",
                   leader_fields(info));
  notify(self, listener, msg);
}

caf::message leader_message(retriever_pointer self, const leader_info& info) {
  return caf::make_message(leader_atom::value, self->state.cfg.component,
                           info);
}

std::string note_membership(retriever_pointer self, const char* kind,
                            const listener_actor& listener) {
  return self->state.journal.membership(self, kind, listener.address(),
                                        "listener");
}

void note_reply(retriever_pointer self, const std::string& peer,
                const std::string& value) {
  self->state.journal.out(peer, "reply", {{"value", value}});
}

/// Answers the `get` requests waiting for the driver's first report.
template <class T, class Fields>
void answer_waiting(retriever_pointer self, const T& answer,
                    const Fields& journaled) {
  auto& st = self->state;
  for (auto& [peer, rp] : st.waiting_gets) {
    st.journal.out(peer, "reply", journaled);
    rp.deliver(answer);
  }
  st.waiting_gets.clear();
}

void on_leader(retriever_pointer self, const leader_info& info) {
  auto& st = self->state;
  if (st.current && st.current->same_leader(info))
    return;
  st.current = info;
  answer_waiting(self, info, leader_fields(info));
  st.log->debug("{}: leader is now '{}' session {} epoch {}",
                st.cfg.component, info.address, to_string(info.session),
                info.epoch);
  // One message shared by all listeners: CAF copies it only on write.
  auto msg = leader_message(self, info);
  for (auto& listener : st.listeners)
    tell_leader(self, listener, msg, info);
}

void on_error(retriever_pointer self, const caf::error& err) {
  auto& st = self->state;
  st.log->warn("{}: retrieval backend failed: {}", st.cfg.component,
               self->system().render(err));
  answer_waiting(self, err, error_fields(err));
  auto msg = caf::make_message(retrieval_error_atom::value, st.cfg.component,
                               err);
  for (auto& listener : st.listeners) {
    if (st.journal.active())
      st.journal.out(listener_name(self, listener), "retrieval_error",
                     error_fields(err));
    notify(self, listener, msg);
  }
}

caf::error on_join(retriever_pointer self, listener_actor listener) {
  auto& st = self->state;
  if (!listener)
    return make_error(errc::invalid_argument, "join without a listener");
  if (auto err = check_own_member(self, listener.address(), "listener"))
    return err;
  if (find_listener(st, listener.address()) != st.listeners.end())
    return make_error(errc::already_exists,
                      "listener already joined the retrieval of "
                        + st.cfg.component);
  self->monitor(listener);
  if (st.current)
    tell_leader(self, listener, leader_message(self, *st.current),
                *st.current);
  st.listeners.push_back(std::move(listener));
  st.cfg.monitor->listeners(st.cfg.component, st.listeners.size());
  return caf::none;
}

void remove_listener(retriever_pointer self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto i = find_listener(st, addr);
  if (i == st.listeners.end())
    return;
  self->demonitor(i->address());
  st.listeners.erase(i);
  st.cfg.monitor->listeners(st.cfg.component, st.listeners.size());
  if (st.listeners.empty())
    st.idle.start(st.inbox);
}

/// True if the current message came through the inbox; a forgery is
/// dropped and logged.
bool from_driver(retriever_pointer self, const char* kind) {
  auto& st = self->state;
  return from_inbox(self, st.inbox, st.warnings, kind);
}

void unsubscribe(retriever_pointer self) {
  auto& st = self->state;
  st.cfg.driver->unsubscribe(st.cfg.component,
                             caf::actor_cast<listener_actor>(st.inbox));
}

void on_idle(retriever_pointer self, uint64_t period) {
  auto& st = self->state;
  if (!st.listeners.empty() || !st.waiting_gets.empty()
      || !st.idle.current(period))
    return;
  st.log->debug("{}: no listener for a while, stopping", st.cfg.component);
  unsubscribe(self);
  self->quit(caf::exit_reason::normal);
}

retriever_impl::behavior_type retriever(retriever_pointer self,
                                        retriever_config cfg) {
  self->state.cfg = std::move(cfg);
  auto& st = self->state;
  st.cfg.driver = journaled(st.cfg.driver, st.cfg.message_journal);
  if (!st.cfg.monitor)
    st.cfg.monitor = std::make_shared<ops::node_monitor>();
  st.cfg.monitor->service_started(st.cfg.component);
  self->attach_functor([monitor = st.cfg.monitor, name = st.cfg.component] {
    monitor->service_stopped(name);
  });
  st.journal = journal_hook{st.cfg.message_journal,
                            "retriever/" + st.cfg.component};
  st.inbox = spawn_driver_inbox(self);
  st.idle.timeout = st.cfg.idle_timeout;
  st.idle.start(st.inbox);
  st.warnings = peer_warnings{"retriever/" + st.cfg.component};
  refuse_unexpected(self, "retriever/" + st.cfg.component);
  st.cfg.driver->subscribe(st.cfg.component,
                           caf::actor_cast<listener_actor>(st.inbox));
  self->set_down_handler([self](const caf::down_msg& msg) {
    self->state.journal.in(self->state.journal.name(msg.source, "listener"),
                           "down");
    remove_listener(self, msg.source);
  });
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    auto& st = self->state;
    st.journal.in("parent", "exit");
    unsubscribe(self);
    self->quit(msg.reason);
  });
  return {
    [self](join_atom, listener_actor listener) -> caf::result<caf::ok_atom> {
      auto peer = note_membership(self, "join", listener);
      auto err = on_join(self, std::move(listener));
      note_reply(self, peer, err ? describe(err) : "ok");
      if (err)
        return err;
      return caf::ok_atom::value;
    },
    [self](leave_atom,
           const listener_actor& listener) -> caf::result<caf::ok_atom> {
      auto peer = note_membership(self, "leave", listener);
      if (auto err = check_own_member(self, listener.address(), "listener")) {
        note_reply(self, peer, describe(err));
        return err;
      }
      remove_listener(self, listener.address());
      note_reply(self, peer, "ok");
      return caf::ok_atom::value;
    },
    [self](caf::get_atom) -> caf::result<leader_info> {
      auto& st = self->state;
      auto peer = st.journal.sender(self);
      st.journal.in(peer, "get");
      if (!st.current) {
        // A fresh retriever has not heard from its driver yet (that report
        // follows the subscription at once): answer with it, not with a
        // made-up "no leader".
        auto rp = self->make_response_promise<leader_info>();
        st.waiting_gets.emplace_back(peer, rp);
        return rp;
      }
      st.journal.out(peer, "reply", leader_fields(*st.current));
      return *st.current;
    },
    [self](leader_atom, const std::string&, const leader_info& info) {
      if (!from_driver(self, "leader"))
        return;
      self->state.journal.in(driver_peer, "leader", leader_fields(info));
      on_leader(self, info);
    },
    [self](retrieval_error_atom, const std::string&, const caf::error& err) {
      if (!from_driver(self, "retrieval_error"))
        return;
      self->state.journal.in(driver_peer, "retrieval_error",
                             error_fields(err));
      on_error(self, err);
    },
    [self](idle_atom, uint64_t period) {
      if (from_driver(self, "idle"))
        on_idle(self, period);
    },
    [self](idle_atom) { self->state.idle.refresh(self->state.inbox); },
  };
}

} // namespace

retriever_impl spawn_retriever(caf::actor_system& sys, retriever_config cfg) {
  return sys.spawn(retriever, std::move(cfg));
}

retriever_impl spawn_linked_retriever(caf::local_actor* parent,
                                      retriever_config cfg) {
  return parent->spawn<caf::linked>(retriever, std::move(cfg));
}

} // namespace ha
