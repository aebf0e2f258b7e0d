// The elector's handovers: a leader stepping down (resign, transfer,
// fail-back), draining first if it declared so, and operators' transfers.

#include "caf_ha/actors/elector_state.hpp"

#include <chrono>

#include <caf/send.hpp>

#include "caf_ha/messages/errors.hpp"

namespace ha::elector_detail {

/// The leader is revoked and queues again as a new candidate: the driver
/// grants the next one (a handover's pick first).
void requeue(elector_pointer self, uint64_t candidate) {
  auto& st = self->state;
  revoke_if_leader(self, candidate, ops::revoke_cause::resign);
  auto entry = std::move(st.candidates[candidate]);
  st.candidates.erase(candidate);
  auto id = st.next_candidate++;
  auto& added = st.candidates.emplace(id, std::move(entry)).first->second;
  st.cfg.driver->requeue(st.cfg.component, candidate, id, added.options,
                         caf::actor_cast<election_events_actor>(st.inbox));
}

/// The leader `candidate` steps down: at once, or, if it declared that it
/// drains and its grant is confirmed (only then did it do leader work),
/// once it said `drained` or its drain time is up.
void step_down(elector_pointer self, uint64_t candidate) {
  auto& st = self->state;
  if (!st.current || st.current->candidate != candidate
      || st.current->draining)
    return;
  auto& entry = st.candidates[candidate];
  if (!entry.options.drains || !st.current->confirmed) {
    requeue(self, candidate);
    return;
  }
  st.current->draining = true;
  auto session = st.current->session;
  st.log->info("{}: asked session {} to drain", st.cfg.component,
               to_string(session));
  st.journal.out(contender_name(self, candidate), "drain",
                 {{"session", to_string(session)}});
  self->send(caf::actor_cast<draining_contender_actor>(entry.handle),
             drain_atom::value, st.cfg.component, session);
  caf::delayed_anon_send(st.inbox, st.cfg.drain_timeout, drain_atom::value,
                         session);
}

/// True if `session` is the current grant and asked to drain.
bool draining(const elector_state& st, const session_id& session) {
  return st.current && st.current->session == session && st.current->draining;
}

void on_drained(elector_pointer self, const session_id& session) {
  auto& st = self->state;
  st.log->info("{}: session {} drained", st.cfg.component,
               to_string(session));
  requeue(self, st.current->candidate);
}

void on_drain_timeout(elector_pointer self, const session_id& session) {
  auto& st = self->state;
  if (!draining(st, session))
    return;
  st.log->warn("{}: session {} did not drain within {} ms; revoked anyway",
               st.cfg.component, to_string(session),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                 st.cfg.drain_timeout)
                 .count());
  requeue(self, st.current->candidate);
}

/// The leader steps down and queues again behind the others.
bool on_resign(elector_pointer self, const session_id& session) {
  auto& st = self->state;
  if (!st.current || st.current->session != session)
    return false;
  // Resigning while draining says the work is done.
  if (st.current->draining)
    on_drained(self, session);
  else
    step_down(self, st.current->candidate);
  return true;
}

/// `transfer` requests one elector keeps waiting at most.
constexpr size_t max_waiting_transfers = 64;

caf::result<caf::ok_atom> on_transfer(elector_pointer self,
                                      const std::string& to) {
  auto& st = self->state;
  if (!from_this_process(self, "transfer"))
    return make_error(errc::permission_denied,
                      "transfer is an operator's action: ask the services "
                      "root with the admin secret (hactl leader transfer)");
  if (auto err = check_leader_address(to))
    return err;
  if (st.transfers.size() >= max_waiting_transfers)
    return make_error(errc::limit_reached,
                      st.cfg.component + ": "
                        + std::to_string(max_waiting_transfers)
                        + " transfers wait already");
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto request = ++st.last_transfer;
  st.transfers.emplace(request, rp);
  st.cfg.driver->transfer(st.cfg.component, to, request,
                          caf::actor_cast<election_events_actor>(st.inbox));
  return rp;
}

void on_transferred(elector_pointer self, uint64_t request,
                    const caf::error& err) {
  auto& st = self->state;
  auto i = st.transfers.find(request);
  if (i == st.transfers.end())
    return;
  auto rp = std::move(i->second);
  st.transfers.erase(i);
  if (err) {
    st.log->info("{}: transfer refused: {}", st.cfg.component, describe(err));
    rp.deliver(err);
  } else {
    st.log->info("{}: transfer under way", st.cfg.component);
    rp.deliver(caf::ok_atom::value);
  }
  if (st.candidates.empty())
    st.idle.start(st.inbox);
}

void fail_transfers(elector_pointer self) {
  auto waiting = std::move(self->state.transfers);
  self->state.transfers.clear();
  for (auto& entry : waiting)
    entry.second.deliver(make_error(errc::backend_unavailable,
                                    self->state.cfg.component
                                      + ": the election ended"));
}

} // namespace ha::elector_detail
