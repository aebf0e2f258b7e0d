#include "actors/retriever.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "config/logging.hpp"
#include "messages/errors.hpp"

namespace ha {

namespace {

struct retriever_state {
  retriever_config cfg;
  std::vector<listener_actor> listeners;
  /// Empty until the driver reported the first state.
  std::optional<leader_info> current;
  std::shared_ptr<spdlog::logger> log = logger("retrieval");

  static inline const char* name = "retriever";
};

using retriever_pointer = retriever_impl::stateful_pointer<retriever_state>;

auto find_listener(retriever_state& st, const caf::actor_addr& addr) {
  return std::find_if(st.listeners.begin(), st.listeners.end(),
                      [&](auto& x) { return x.address() == addr; });
}

void on_leader(retriever_pointer self, const leader_info& info) {
  auto& st = self->state;
  if (st.current && st.current->same_leader(info))
    return;
  st.current = info;
  st.log->debug("{}: leader is now '{}' session {} epoch {}",
                st.cfg.component, info.address, to_string(info.session),
                info.epoch);
  for (auto& listener : st.listeners)
    self->send(listener, leader_atom::value, st.cfg.component, info);
}

void on_error(retriever_pointer self, const caf::error& err) {
  auto& st = self->state;
  st.log->warn("{}: retrieval backend failed: {}", st.cfg.component,
               self->system().render(err));
  for (auto& listener : st.listeners)
    self->send(listener, retrieval_error_atom::value, st.cfg.component, err);
}

caf::result<caf::ok_atom> on_join(retriever_pointer self,
                                  listener_actor listener) {
  auto& st = self->state;
  if (!listener)
    return make_error(errc::invalid_argument, "join without a listener");
  if (find_listener(st, listener.address()) != st.listeners.end())
    return make_error(errc::already_exists,
                      "listener already joined the retrieval of "
                        + st.cfg.component);
  self->monitor(listener);
  if (st.current)
    self->send(listener, leader_atom::value, st.cfg.component, *st.current);
  st.listeners.push_back(std::move(listener));
  return caf::ok_atom::value;
}

void remove_listener(retriever_pointer self, const caf::actor_addr& addr) {
  auto& st = self->state;
  auto i = find_listener(st, addr);
  if (i == st.listeners.end())
    return;
  self->demonitor(i->address());
  st.listeners.erase(i);
}

retriever_impl::behavior_type retriever(retriever_pointer self,
                                        retriever_config cfg) {
  self->state.cfg = std::move(cfg);
  auto& st = self->state;
  st.cfg.driver->subscribe(st.cfg.component,
                           caf::actor_cast<listener_actor>(self));
  self->set_down_handler([self](const caf::down_msg& msg) {
    remove_listener(self, msg.source);
  });
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    auto& st = self->state;
    st.cfg.driver->unsubscribe(st.cfg.component,
                               caf::actor_cast<listener_actor>(self));
    self->quit(msg.reason);
  });
  return {
    [self](join_atom, listener_actor listener) {
      return on_join(self, std::move(listener));
    },
    [self](leave_atom, const listener_actor& listener) {
      remove_listener(self, listener.address());
      return caf::ok_atom::value;
    },
    [self](caf::get_atom) {
      return self->state.current.value_or(leader_info{});
    },
    [self](leader_atom, const std::string&, const leader_info& info) {
      on_leader(self, info);
    },
    [self](retrieval_error_atom, const std::string&, const caf::error& err) {
      on_error(self, err);
    },
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
