#include "caf_ha/actors/job_graph_store.hpp"

#include <algorithm>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/actors/send_later.hpp"
#include "caf_ha/actors/write_batch.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

struct job_graph_store_state {
  store_config cfg;
  write_batch batch;
  std::vector<job_graph_listener_actor> listeners;
  /// The newest change log entry the listeners know of.
  uint64_t cursor = 0;
  bool polling = false;
  store_journal log;

  static inline const char* name = "job_graph_store";
};

using pointer = job_graph_store_impl::stateful_pointer<job_graph_store_state>;

void notify_changes(pointer self) {
  auto& st = self->state;
  auto changes = st.cfg.store->job_graph_changes(st.cursor);
  if (!changes) {
    logger("store")->warn("cannot read job graph changes: {}",
                          describe(changes.error()));
    return;
  }
  // Only a poll that notifies is journaled: one that finds nothing to tell
  // changes nothing a replay could see, and idle polls would fill the
  // journal ten times a second.
  auto journaled = false;
  for (auto& change : *changes) {
    st.cursor = change.sequence;
    if (change.origin == st.cfg.store->origin())
      continue;
    if (!std::exchange(journaled, true))
      journal_request(self);
    auto msg = change.added
                 ? caf::make_message(job_added_atom::value, change.id)
                 : caf::make_message(job_removed_atom::value, change.id);
    for (auto& listener : st.listeners) {
      if (st.log.hook.active())
        journal_send(self->system(), st.log,
                     st.log.hook.name(listener.address(), "listener"), msg);
      if (change.added)
        self->send(listener, job_added_atom::value, change.id);
      else
        self->send(listener, job_removed_atom::value, change.id);
    }
  }
}

void schedule_poll(pointer self) {
  auto& st = self->state;
  // A replay feeds the recorded polls itself.
  if (st.polling || st.listeners.empty() || st.cfg.replaying)
    return;
  st.polling = true;
  send_later(self, st.cfg.poll_interval, caf::make_message(poll_atom::value));
}

caf::result<caf::ok_atom> add_listener(pointer self,
                                       job_graph_listener_actor listener) {
  auto& st = self->state;
  if (!listener)
    return reject(self, make_error(errc::invalid_argument,
                                   "join without a listener"));
  if (auto err = check_own_member(self, listener.address(), "listener"))
    return reject(self, std::move(err));
  if (st.listeners.empty()) {
    // Listeners hear of changes made after they joined.
    auto last = st.cfg.store->last_job_graph_change();
    if (!last)
      return reject(self, std::move(last.error()));
    st.cursor = *last;
  }
  self->monitor(listener);
  st.listeners.push_back(std::move(listener));
  schedule_poll(self);
  return journal_reply(self, caf::ok_atom::value);
}

/// Journals a join or leave: the listener by its stable name, since an
/// actor handle cannot be replayed.
void journal_listener(pointer self, const char* kind,
                      const job_graph_listener_actor& listener) {
  auto& log = self->state.log;
  log.peer = log.hook.membership(self, kind, listener.address(), "listener");
}

void drop_listener(pointer self, const caf::actor_addr& addr) {
  auto& ls = self->state.listeners;
  ls.erase(std::remove_if(ls.begin(), ls.end(),
                          [&](auto& x) { return x.address() == addr; }),
           ls.end());
}

caf::result<job_graph_page> read_page(pointer self,
                                      const std::optional<job_id>& after,
                                      uint32_t limit) {
  journal_request(self);
  if (limit == 0)
    return reject(self, make_error(errc::invalid_argument,
                                   "a page of job graphs needs a limit of 1 "
                                   "or more"));
  return reply(self, self->state.cfg.store->job_graphs(after, limit));
}

job_graph_store_impl::behavior_type job_graph_store(pointer self,
                                                    store_config cfg) {
  refuse_unexpected(self, "job_graph_store");
  self->state.log.hook = journal_hook{cfg.message_journal, "job_graph_store"};
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& log = self->state.log;
    if (log.hook.active())
      log.hook.in(log.hook.name(msg.source, "listener"), "down");
    drop_listener(self, msg.source);
  });
  return {
    [self](caf::put_atom, job_graph graph, fencing_token fence) {
      journal_request(self);
      return submit_ok(self,
                       put_job_graph_op{std::move(graph), std::move(fence)});
    },
    [self](caf::get_atom, const job_id& id) {
      journal_request(self);
      return reply(self, self->state.cfg.store->get_job_graph(id));
    },
    [self](caf::delete_atom, const job_id& id, fencing_token fence) {
      journal_request(self);
      return submit_ok(self, remove_job_graph_op{id, std::move(fence)});
    },
    [self](caf::get_atom, job_ids_atom) {
      journal_request(self);
      return reply(self, self->state.cfg.store->job_graph_ids());
    },
    [self](caf::get_atom, graph_page_atom, uint32_t limit) {
      return read_page(self, std::nullopt, limit);
    },
    [self](caf::get_atom, graph_page_atom, const job_id& after,
           uint32_t limit) { return read_page(self, after, limit); },
    [self](caf::join_atom, job_graph_listener_actor listener) {
      journal_listener(self, "join", listener);
      return add_listener(self, std::move(listener));
    },
    [self](caf::leave_atom,
           const job_graph_listener_actor& listener) -> caf::result<caf::ok_atom> {
      journal_listener(self, "leave", listener);
      if (auto err = check_own_member(self, listener.address(), "listener"))
        return reject(self, std::move(err));
      self->demonitor(listener.address());
      drop_listener(self, listener.address());
      return journal_reply(self, caf::ok_atom::value);
    },
    [self](caf::flush_atom) {
      if (from_this_process(self, "flush"))
        flush_batch(self);
    },
    [self](poll_atom) {
      if (!from_this_process(self, "poll"))
        return;
      self->state.polling = false;
      if (self->state.listeners.empty())
        return;
      notify_changes(self);
      schedule_poll(self);
    },
  };
}

} // namespace

job_graph_store_impl spawn_job_graph_store(caf::local_actor* parent,
                                           store_config cfg) {
  return spawn_store<job_graph_store_impl>(parent, job_graph_store,
                                           std::move(cfg));
}

} // namespace ha
