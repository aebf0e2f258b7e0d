#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/elector_state.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <type_traits>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/journal/journal_hook.hpp"
#include "caf_ha/actors/journal/journaled_driver.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::elector_detail {

std::optional<uint64_t> find_candidate(elector_state& st,
                                       const caf::actor_addr& addr) {
  for (auto& [id, entry] : st.candidates)
    if (entry.handle.address() == addr)
      return id;
  return std::nullopt;
}

std::string contender_name(elector_pointer self, uint64_t candidate) {
  auto& st = self->state;
  return st.journal.name(st.candidates[candidate].handle.address(),
                         "contender");
}

/// Reports the end of the current grant to the monitor and forgets it.
void end_grant(elector_pointer self, ops::revoke_cause cause) {
  auto& st = self->state;
  st.cfg.monitor->revoked(st.cfg.component, cause, st.current->confirmed);
  st.current.reset();
}

void count_contenders(elector_pointer self) {
  auto& st = self->state;
  st.cfg.monitor->contenders(st.cfg.component, st.candidates.size());
}

void revoke_if_leader(elector_pointer self, uint64_t candidate,
                      ops::revoke_cause cause) {
  auto& st = self->state;
  if (!st.current || st.current->candidate != candidate)
    return;
  auto session = st.current->session;
  end_grant(self, cause);
  st.log->info("{}: revoked session {}", st.cfg.component, to_string(session));
  st.journal.out(contender_name(self, candidate), "revoke",
                 {{"session", to_string(session)}});
  self->send(st.candidates[candidate].handle, revoke_atom::value,
             st.cfg.component, session);
}

void remove_candidate(elector_pointer self, uint64_t candidate,
                      ops::revoke_cause cause) {
  auto& st = self->state;
  revoke_if_leader(self, candidate, cause);
  self->demonitor(st.candidates[candidate].handle.address());
  st.candidates.erase(candidate);
  count_contenders(self);
  st.cfg.driver->leave(st.cfg.component, candidate);
  if (st.candidates.empty())
    st.idle.start(st.inbox);
}

uint64_t add_candidate(elector_pointer self, candidate_entry entry) {
  auto& st = self->state;
  auto id = st.next_candidate++;
  st.candidates.emplace(id, std::move(entry));
  st.cfg.driver->join(st.cfg.component, id, st.candidates[id].options,
                      caf::actor_cast<election_events_actor>(st.inbox));
  count_contenders(self);
  return id;
}

void on_granted(elector_pointer self, uint64_t candidate, epoch_t epoch) {
  auto& st = self->state;
  if (st.candidates.count(candidate) == 0)
    return; // Left while the grant was under way.
  if (st.current)
    revoke_if_leader(self, st.current->candidate, ops::revoke_cause::error);
  st.current = grant_state{candidate, st.cfg.new_session_id(), epoch};
  st.cfg.monitor->granted(st.cfg.component, epoch);
  st.log->info("{}: granted session {} epoch {}", st.cfg.component,
               to_string(st.current->session), epoch);
  st.journal.out(contender_name(self, candidate), "grant",
                 {{"session", to_string(st.current->session)},
                  {"epoch", std::to_string(epoch)}});
  self->send(st.candidates[candidate].handle, grant_atom::value,
             st.cfg.component, st.current->session, epoch);
}

/// A contender that went down crashed, unless its process's connection
/// broke or went silent: then the process died, hung or was cut off.
ops::revoke_cause cause_of(const caf::error& reason) {
  if (reason == caf::exit_reason::remote_link_unreachable)
    return ops::revoke_cause::connection_lost;
  return ops::revoke_cause::crash;
}

void on_driver_error(elector_pointer self, const caf::error& err) {
  auto& st = self->state;
  st.log->warn("{}: election backend failed: {}", st.cfg.component,
               self->system().render(err));
  if (st.current)
    end_grant(self, ops::revoke_cause::error);
  for (auto& [id, entry] : st.candidates) {
    st.journal.out(contender_name(self, id), "election_error",
                   error_fields(err));
    self->send(entry.handle, election_error_atom::value, st.cfg.component,
               err);
  }
}

/// None unless `session` is the current grant and the current message
/// comes from another process than the contender holding it: a listener
/// learns the session of the leader, but must not publish another address
/// for it or make it resign.
caf::error check_holder(elector_pointer self, const session_id& session) {
  auto& st = self->state;
  if (!st.current || st.current->session != session)
    return caf::none;
  return check_own_member(
    self, st.candidates[st.current->candidate].handle.address(),
    "contender that holds session " + to_string(session));
}

/// Notes that the holder of `session` was heard from, if the current
/// message comes from its process.
void seen_holder(elector_pointer self, const session_id& session) {
  auto& st = self->state;
  if (!st.current || st.current->session != session)
    return;
  auto& entry = st.candidates[st.current->candidate];
  if (!check_own_member(self, entry.handle.address(), "contender"))
    entry.last_seen_ms = ops::unix_millis();
}

/// What the elector knows of its own candidate `id`.
participant own_participant(const elector_state& st, uint64_t id,
                            const candidate_entry& entry) {
  participant x{entry.options.address, "candidate", 0, entry.last_seen_ms,
                entry.options.priority};
  if (st.current && st.current->candidate == id) {
    x.state = st.current->draining    ? "draining"
              : st.current->confirmed ? "leader"
                                      : "granted";
    x.epoch = st.current->epoch;
  }
  return x;
}

std::vector<participant> own_participants(const elector_state& st) {
  std::vector<participant> result;
  for (auto& [id, entry] : st.candidates)
    result.push_back(own_participant(st, id, entry));
  return result;
}

/// `participants` requests one listing answers at most; more are refused
/// until it came (each costs the backend a read per candidate).
constexpr size_t max_waiting_listings = 64;

/// Every participant: the elector's own, or, when the driver spans
/// processes, the driver's list with the elector's own entries in it
/// described as the elector knows them. One listing at a time answers
/// every request that came while it was under way.
caf::result<std::vector<participant>> participants(elector_pointer self) {
  auto& st = self->state;
  if (!st.cfg.driver->spans_processes())
    return own_participants(st);
  if (st.listing.size() >= max_waiting_listings)
    return make_error(errc::backend_unavailable,
                      st.cfg.component + ": " + std::to_string(
                        max_waiting_listings)
                        + " participants requests wait already; ask again "
                          "later");
  auto rp = self->make_response_promise<std::vector<participant>>();
  st.listing.push_back(rp);
  if (st.listing.size() == 1)
    st.cfg.driver->participants(st.cfg.component, ++st.last_listing,
                                caf::actor_cast<election_events_actor>(
                                  st.inbox));
  return rp;
}

/// Answers every waiting `participants` request.
void answer_listing(elector_pointer self,
                    caf::expected<std::vector<participant>> list) {
  auto waiting = std::move(self->state.listing);
  self->state.listing.clear();
  for (auto& rp : waiting)
    if (list)
      rp.deliver(*list);
    else
      rp.deliver(list.error());
}

void on_listed(elector_pointer self, uint64_t request,
               caf::expected<std::vector<participant>> list,
               const std::vector<uint64_t>& candidates) {
  auto& st = self->state;
  if (request != st.last_listing || st.listing.empty())
    return;
  if (list)
    for (size_t k = 0; k < list->size() && k < candidates.size(); ++k)
      if (auto j = st.candidates.find(candidates[k]);
          j != st.candidates.end())
        (*list)[k] = own_participant(st, j->first, j->second);
  answer_listing(self, std::move(list));
  if (st.candidates.empty())
    st.idle.start(st.inbox);
}

bool on_confirm(elector_pointer self, const session_id& session,
                const std::string& address) {
  auto& st = self->state;
  if (!st.current || st.current->session != session) {
    st.log->warn("{}: ignored stale confirmation of session {} by {}",
                 st.cfg.component, to_string(session), address);
    return false;
  }
  st.log->info("{}: {} confirmed session {} epoch {}", st.cfg.component,
               address, to_string(session), st.current->epoch);
  // Counted first: whoever learns of the leader finds it counted.
  st.current->confirmed = true;
  st.cfg.monitor->confirmed(st.cfg.component, address, st.current->epoch);
  st.cfg.driver->publish(st.cfg.component, st.current->candidate,
                         leader_info{address, session, st.current->epoch});
  return true;
}

void leave_all(elector_pointer self) {
  auto& st = self->state;
  for (auto& entry : st.candidates)
    st.cfg.driver->leave(st.cfg.component, entry.first);
  st.candidates.clear();
  st.current.reset();
  count_contenders(self);
}

caf::error on_join(elector_pointer self, contender_actor contender,
                   contender_options options) {
  if (!contender)
    return make_error(errc::invalid_argument, "join without a contender");
  if (auto err = check_own_member(self, contender.address(), "contender"))
    return err;
  if (!options.address.empty())
    if (auto err = check_leader_address(options.address))
      return err;
  if (find_candidate(self->state, contender.address()))
    return make_error(errc::already_exists,
                      "contender already joined the election of "
                        + self->state.cfg.component);
  self->monitor(contender);
  add_candidate(self, candidate_entry{std::move(contender), std::move(options),
                                      ops::unix_millis()});
  return caf::none;
}


/// True if the current message came through the inbox; a forgery is
/// dropped and logged.
bool from_driver(elector_pointer self, const char* kind) {
  auto& st = self->state;
  return from_inbox(self, st.inbox, st.warnings, kind);
}

void on_idle(elector_pointer self, uint64_t period) {
  auto& st = self->state;
  if (!st.candidates.empty() || !st.listing.empty() || !st.transfers.empty()
      || !st.idle.current(period))
    return;
  st.log->debug("{}: no contender for {} ms, stopping", st.cfg.component,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                  st.idle.timeout)
                  .count());
  self->quit(caf::exit_reason::normal);
}

/// Journals the reply to a request from `peer` and returns it.
template <class T>
T replied(elector_pointer self, const std::string& peer, T value) {
  std::string text;
  if constexpr (std::is_same_v<T, bool>)
    text = value ? "true" : "false";
  else
    text = value ? describe(value) : "ok";
  self->state.journal.out(peer, "reply", {{"value", text}});
  return value;
}

/// Journals an incoming request and returns the name of its sender, the
/// peer of the reply.
std::string note_request(elector_pointer self, const char* kind,
                         journal_fields fields) {
  auto& jr = self->state.journal;
  auto peer = jr.sender(self);
  jr.in(peer, kind, std::move(fields));
  return peer;
}

std::string note_membership(elector_pointer self, const char* kind,
                            const contender_actor& contender) {
  return self->state.journal.membership(self, kind, contender.address(),
                                        "contender");
}

caf::result<caf::ok_atom> join_request(elector_pointer self,
                                       contender_actor contender,
                                       contender_options options) {
  journal_fields extra;
  if (!options.address.empty())
    extra.emplace_back("address", options.address);
  if (options.priority != 0)
    extra.emplace_back("priority", std::to_string(options.priority));
  if (options.drains)
    extra.emplace_back("drains", "true");
  auto peer = self->state.journal.membership(self, "join", contender.address(),
                                             "contender", std::move(extra));
  if (auto err = replied(self, peer,
                         on_join(self, std::move(contender),
                                 std::move(options))))
    return err;
  return caf::ok_atom::value;
}

elector_impl::behavior_type elector(elector_pointer self, elector_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.cfg.driver = journaled(st.cfg.driver, st.cfg.message_journal);
  if (!st.cfg.monitor)
    st.cfg.monitor = std::make_shared<ops::node_monitor>();
  st.cfg.monitor->service_started(st.cfg.component);
  self->attach_functor([monitor = st.cfg.monitor, name = st.cfg.component] {
    monitor->service_stopped(name);
  });
  st.journal = journal_hook{st.cfg.message_journal,
                            "elector/" + st.cfg.component};
  st.inbox = spawn_driver_inbox(self);
  st.idle.timeout = st.cfg.idle_timeout;
  st.idle.start(st.inbox);
  st.warnings = peer_warnings{"elector/" + st.cfg.component};
  refuse_unexpected(self, "elector/" + st.cfg.component);
  self->set_down_handler([self](const caf::down_msg& msg) {
    self->state.journal.in(self->state.journal.name(msg.source, "contender"),
                           "down");
    if (auto id = find_candidate(self->state, msg.source)) {
      self->state.log->info("{}: contender terminated ({})",
                            self->state.cfg.component,
                            self->system().render(msg.reason));
      remove_candidate(self, *id, cause_of(msg.reason));
    }
  });
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    answer_listing(self, make_error(errc::backend_unavailable,
                                    self->state.cfg.component
                                      + ": the election ended"));
    fail_transfers(self);
    self->state.journal.in("parent", "exit");
    leave_all(self);
    self->quit(msg.reason);
  });
  return {
    [self](join_atom, contender_actor contender) {
      return join_request(self, std::move(contender), {});
    },
    [self](join_atom, contender_actor contender, contender_options options) {
      return join_request(self, std::move(contender), std::move(options));
    },
    [self](participants_atom) {
      note_request(self, "participants", {});
      return participants(self);
    },
    [self](participants_atom, uint64_t request, std::vector<participant>& list,
           const std::vector<uint64_t>& candidates) {
      if (from_driver(self, "participants"))
        on_listed(self, request, std::move(list), candidates);
    },
    [self](participants_atom, uint64_t request, const caf::error& err) {
      if (from_driver(self, "participants"))
        on_listed(self, request, err, {});
    },
    [self](leave_atom,
           const contender_actor& contender) -> caf::result<caf::ok_atom> {
      auto peer = note_membership(self, "leave", contender);
      auto id = find_candidate(self->state, contender.address());
      if (id) {
        if (auto err = check_own_member(self, contender.address(),
                                        "contender"))
          return replied(self, peer, std::move(err));
        remove_candidate(self, *id, ops::revoke_cause::resign);
      }
      replied(self, peer, caf::error{});
      return caf::ok_atom::value;
    },
    [self](confirm_atom, const session_id& session,
           const std::string& address) -> caf::result<bool> {
      auto peer = note_request(self, "confirm",
                               {{"session", to_string(session)},
                                {"address", address}});
      if (auto err = check_holder(self, session))
        return replied(self, peer, std::move(err));
      if (auto err = check_leader_address(address))
        return replied(self, peer, std::move(err));
      seen_holder(self, session);
      return replied(self, peer, on_confirm(self, session, address));
    },
    [self](leadership_atom, const session_id& session) {
      auto peer = note_request(self, "leadership",
                               {{"session", to_string(session)}});
      seen_holder(self, session);
      auto& current = self->state.current;
      return replied(self, peer, current && current->session == session);
    },
    [self](resign_atom, const session_id& session) -> caf::result<bool> {
      auto peer = note_request(self, "resign",
                               {{"session", to_string(session)}});
      if (auto err = check_holder(self, session))
        return replied(self, peer, std::move(err));
      seen_holder(self, session);
      return replied(self, peer, on_resign(self, session));
    },
    [self](drained_atom, const session_id& session) -> caf::result<bool> {
      auto peer = note_request(self, "drained",
                               {{"session", to_string(session)}});
      if (auto err = check_holder(self, session))
        return replied(self, peer, std::move(err));
      seen_holder(self, session);
      if (!draining(self->state, session))
        return replied(self, peer, false);
      on_drained(self, session);
      return replied(self, peer, true);
    },
    [self](transfer_atom,
           const std::string& to) -> caf::result<caf::ok_atom> {
      auto peer = note_request(self, "transfer", {{"to", to}});
      auto result = on_transfer(self, to);
      if (result.flag == caf::rt_error)
        replied(self, peer, result.err);
      return result;
    },
    [self](transfer_atom, uint64_t request, const caf::error& err) {
      if (!from_driver(self, "transfer"))
        return;
      auto fields = error_fields(err);
      fields.emplace(fields.begin(), "request", std::to_string(request));
      self->state.journal.in(driver_peer, "transferred", std::move(fields));
      on_transferred(self, request, err);
    },
    [self](resign_atom, uint64_t candidate) {
      if (!from_driver(self, "resign"))
        return;
      self->state.journal.in(driver_peer, "step_down",
                             {{"candidate", std::to_string(candidate)}});
      step_down(self, candidate);
    },
    [self](drain_atom, const session_id& session) {
      if (!from_driver(self, "drain"))
        return;
      self->state.journal.in(driver_peer, "drain_timeout",
                             {{"session", to_string(session)}});
      on_drain_timeout(self, session);
    },
    [self](granted_atom, uint64_t candidate, epoch_t epoch) {
      if (!from_driver(self, "granted"))
        return;
      self->state.journal.in(driver_peer, "granted",
                             {{"candidate", std::to_string(candidate)},
                              {"epoch", std::to_string(epoch)}});
      on_granted(self, candidate, epoch);
    },
    [self](revoked_atom, uint64_t candidate) {
      if (!from_driver(self, "revoked"))
        return;
      self->state.journal.in(driver_peer, "revoked",
                             {{"candidate", std::to_string(candidate)}});
      revoke_if_leader(self, candidate, ops::revoke_cause::error);
    },
    [self](driver_error_atom, const caf::error& err) {
      if (!from_driver(self, "driver_error"))
        return;
      self->state.journal.in(driver_peer, "driver_error", error_fields(err));
      on_driver_error(self, err);
    },
    [self](idle_atom, uint64_t period) {
      if (from_driver(self, "idle"))
        on_idle(self, period);
    },
    [self](idle_atom) { self->state.idle.refresh(self->state.inbox); },
  };
}

} // namespace ha::elector_detail

namespace ha {

elector_impl spawn_elector(caf::actor_system& sys, elector_config cfg) {
  return sys.spawn(elector_detail::elector, std::move(cfg));
}

elector_impl spawn_linked_elector(caf::local_actor* parent,
                                  elector_config cfg) {
  return parent->spawn<caf::linked>(elector_detail::elector, std::move(cfg));
}

} // namespace ha
