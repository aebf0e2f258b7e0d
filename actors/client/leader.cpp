#include "caf_ha/actors/client/leader.hpp"

#include "caf_ha/actors/client/leader_state.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::leader_detail {

contender_actor as_contender(leader_pointer self) {
  return caf::actor_cast<contender_actor>(self);
}

/// Compares by node and id: a remote actor's proxy may be replaced.
bool sent_by(leader_pointer self, const caf::actor_addr& who) {
  auto& sender = self->current_sender();
  return sender != nullptr && who && sender->id() == who.id()
         && sender->node() == who.node();
}

/// True if the current message comes from the elector or from the elector
/// behind it.
bool is_from_elector(leader_pointer self) {
  auto& st = self->state;
  return sent_by(self, st.elector.address()) || sent_by(self, st.delegate);
}

/// As `is_from_elector`, logging what it drops.
bool from_elector(leader_pointer self, const char* kind) {
  if (is_from_elector(self))
    return true;
  self->state.warnings.warn_once(self, std::string{"a '"} + kind
                                         + "' that did not come from its "
                                           "elector");
  return false;
}

caf::error check_app(leader_pointer self, const char* kind) {
  auto& st = self->state;
  if (sent_by(self, st.app.address()))
    return caf::none;
  st.warnings.warn_once(self, std::string{"a '"} + kind
                                + "' that did not come from its application");
  return make_error(errc::permission_denied,
                    st.cfg.component + ": only the application actor may send '"
                      + kind + "' to its leader helper");
}

caf::error ended(leader_pointer self, const std::string& why) {
  return make_error(errc::not_leader, self->state.cfg.component + ": " + why);
}

fencing_token current_token(const leader_state& st) {
  if (!st.grant || !st.grant->confirmed)
    return {};
  return {st.cfg.component, st.grant->epoch};
}

bool awaits_confirmation(const leader_state& st, const session_id& session) {
  // A grant asked to drain before it was confirmed is on its way out.
  return st.grant && st.grant->session == session && !st.grant->confirmed
         && !st.draining;
}

/// Drops the grant; tells the application only if it was leading.
void end_grant(leader_pointer self, const caf::error& why) {
  auto& st = self->state;
  if (!st.grant)
    return;
  auto was_leading = st.grant->confirmed;
  st.grant.reset();
  st.draining = false;
  st.cfg.lease->end();
  if (!was_leading)
    return;
  st.log->info("{}: leadership ended: {}", st.cfg.component, describe(why));
  self->send(st.app, not_leading_atom::value, st.cfg.component, why);
}

/// Tells the application why the helper stops for good, then quits.
void give_up(leader_pointer self, const caf::error& why) {
  auto& st = self->state;
  st.log->warn("{}: leader helper gives up: {}", st.cfg.component,
               describe(why));
  st.grant.reset();
  st.cfg.lease->end();
  st.leaving = true;
  self->send(st.app, not_leading_atom::value, st.cfg.component, why);
  self->quit(why);
}

bool retryable(const caf::error& err) {
  return is(err, errc::backend_unavailable)
         || err == caf::sec::request_timeout;
}

void join(leader_pointer self, uint32_t attempt);

void on_join_failed(leader_pointer self, uint32_t attempt,
                    const caf::error& err) {
  auto& st = self->state;
  if (is(err, errc::already_exists) || st.leaving)
    return;
  if (!retryable(err) || attempt >= st.cfg.join_attempts) {
    give_up(self, err);
    return;
  }
  auto wait = st.cfg.join_backoff * (1u << std::min(attempt - 1, 16u));
  st.log->warn("{}: joining the election failed (attempt {} of {}): {}",
               st.cfg.component, attempt, st.cfg.join_attempts,
               describe(err));
  self->delayed_send(self, wait, join_atom::value, attempt + 1);
}

void join(leader_pointer self, uint32_t attempt) {
  auto& st = self->state;
  if (st.leaving)
    return;
  self
    ->request(st.elector, st.cfg.request_timeout, join_atom::value,
              as_contender(self),
              contender_options{st.cfg.address, st.cfg.priority,
                                st.cfg.drains})
    .then(
      [self](caf::ok_atom) {
        self->state.log->debug("{}: joined the election",
                               self->state.cfg.component);
      },
      [self, attempt](const caf::error& err) {
        on_join_failed(self, attempt, err);
      });
}

/// Leaves and joins again: the election revokes whatever it granted the
/// helper and queues it as a follower.
void rejoin(leader_pointer self) {
  auto& st = self->state;
  auto again = [self] { join(self, 1); };
  self
    ->request(st.elector, st.cfg.request_timeout, leave_atom::value,
              as_contender(self))
    .then([again](caf::ok_atom) { again(); },
          [again](const caf::error&) { again(); });
}

/// Gives `session` back: the election grants the next contender and queues
/// the helper again. `rp`, if pending, learns whether `session` still led.
void hand_back(leader_pointer self, const session_id& session,
               caf::typed_response_promise<bool> rp) {
  auto& st = self->state;
  self->request(st.elector, st.cfg.request_timeout, resign_atom::value, session)
    .then(
      [rp](bool resigned) mutable {
        if (rp.pending())
          rp.deliver(resigned);
      },
      [self, rp](const caf::error& err) mutable {
        // The election must not keep a leader that does no work.
        self->state.log->warn("{}: cannot resign ({}); leaving and joining "
                              "again",
                              self->state.cfg.component, describe(err));
        rejoin(self);
        if (rp.pending())
          rp.deliver(true);
      });
}

void start_leading(leader_pointer self) {
  auto& st = self->state;
  st.grant->confirmed = true;
  st.log->info("{}: leading as {} with epoch {}", st.cfg.component,
               st.cfg.address, st.grant->epoch);
  self->send(st.app, leading_atom::value, st.cfg.component, current_token(st));
  schedule_renewal(self);
}

void confirm(leader_pointer self, const session_id& session) {
  auto& st = self->state;
  auto asked = self->clock().now();
  self
    ->request(st.elector, st.cfg.request_timeout, confirm_atom::value, session,
              st.cfg.address)
    .then(
      [self, session, asked](bool accepted) {
        auto& st = self->state;
        if (!awaits_confirmation(st, session))
          return; // Revoked or superseded meanwhile.
        if (accepted && renew_lease(self, asked)) {
          start_leading(self);
          return;
        }
        if (accepted) {
          confirm_late(self, session);
          return;
        }
        st.log->info("{}: grant ended before it was confirmed",
                     st.cfg.component);
        st.grant.reset();
      },
      [self, session](const caf::error& err) {
        auto& st = self->state;
        if (!awaits_confirmation(st, session))
          return;
        st.log->warn("{}: confirming the grant failed: {}", st.cfg.component,
                     describe(err));
        st.grant.reset();
        hand_back(self, session);
      });
}

void on_grant(leader_pointer self, const session_id& session, epoch_t epoch) {
  fence_if_expired(self); // An expired grant ends as fenced, not superseded.
  auto& st = self->state;
  if (st.leaving || (st.grant && st.grant->session == session))
    return;
  end_grant(self, ended(self, "superseded by a new grant"));
  st.grant = held_grant{session, epoch, false};
  st.log->debug("{}: granted epoch {}, confirming", st.cfg.component, epoch);
  confirm(self, session);
}

void note_forgery(leader_pointer self, epoch_t epoch) {
  auto& st = self->state;
  auto level = std::exchange(st.warned_forgery, true) ? spdlog::level::debug
                                                      : spdlog::level::warn;
  st.log->log(level,
              "{}: dropped a grant of epoch {}: its elector does not "
              "confirm it (stale or forged)",
              st.cfg.component, epoch);
}

/// A proxy's contender hears from the elector behind the proxy, whose
/// handle it never saw. Such a grant counts if the proxy says the session
/// leads and that answer, which the proxy passes on, comes from the grant's
/// sender: then the sender is the elector behind the proxy.
void verify_grant(leader_pointer self, const session_id& session,
                  epoch_t epoch) {
  auto& st = self->state;
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  self
    ->request(st.elector, st.cfg.request_timeout, leadership_atom::value,
              session)
    .then(
      [self, sender, session, epoch](bool leads) {
        if (!leads || !sent_by(self, sender)) {
          note_forgery(self, epoch);
          return;
        }
        self->state.delegate = sender;
        on_grant(self, session, epoch);
      },
      [self, session, epoch](const caf::error& err) {
        // Unchecked, the grant may be real: give it back rather than leave
        // the component granted to a helper that does no work.
        self->state.log->warn("{}: cannot check a grant of epoch {} ({}); "
                              "giving it back",
                              self->state.cfg.component, epoch,
                              describe(err));
        hand_back(self, session);
      });
}

/// Leaves the election, answers `rp` and quits.
void leave_and_quit(leader_pointer self,
                    caf::typed_response_promise<caf::ok_atom> rp = {}) {
  auto& st = self->state;
  st.leaving = true;
  end_grant(self, ended(self, "left the election"));
  self
    ->request(st.elector, st.cfg.request_timeout, leave_atom::value,
              as_contender(self))
    .then(
      [self, rp](caf::ok_atom x) mutable {
        if (rp.pending())
          rp.deliver(x);
        self->quit();
      },
      [self, rp](const caf::error& err) mutable {
        // The elector monitors the helper: quitting still hands over.
        self->state.log->warn("{}: leaving the election failed: {}",
                              self->state.cfg.component, describe(err));
        if (rp.pending())
          rp.deliver(err);
        self->quit();
      });
}

void tell_drained(leader_pointer self, const session_id& session);
void on_app_drained(leader_pointer self);

/// The elector asks the confirmed grant `session` to drain: the
/// application hears it if it drains, else the helper answers at once.
void on_drain(leader_pointer self, const session_id& session) {
  auto& st = self->state;
  if (!st.grant || st.grant->session != session) {
    // Given back already (a resign, a fence): nothing runs on it.
    tell_drained(self, session);
    return;
  }
  if (st.draining)
    return;
  st.draining = true;
  if (!st.grant->confirmed) {
    // It never led on this grant (its confirmation may still be on the
    // way): nothing to drain, and it will not lead on it.
    tell_drained(self, session);
    return;
  }
  st.log->info("{}: draining before leadership ends", st.cfg.component);
  if (!st.cfg.drains) {
    on_app_drained(self);
    return;
  }
  self->send(caf::actor_cast<draining_listener_actor>(st.app),
             draining_atom::value, st.cfg.component, current_token(st));
}

void on_app_drained(leader_pointer self) {
  auto& st = self->state;
  if (st.grant && st.draining)
    tell_drained(self, st.grant->session);
}

void tell_drained(leader_pointer self, const session_id& session) {
  auto& st = self->state;
  self->request(st.elector, st.cfg.request_timeout, drained_atom::value,
                session)
    .then([](bool) {},
          [self](const caf::error& err) {
            // The elector's drain timeout revokes the grant anyway.
            self->state.log->warn("{}: telling the elector it drained "
                                  "failed: {}",
                                  self->state.cfg.component, describe(err));
          });
}

void on_down(leader_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (st.leaving)
    return;
  if (msg.source == st.app.address()) {
    st.log->info("{}: application terminated, leaving the election",
                 st.cfg.component);
    leave_and_quit(self);
  } else if (msg.source == st.elector.address()) {
    give_up(self, make_error(errc::backend_unavailable,
                             st.cfg.component + ": the election ended ("
                               + self->system().render(msg.reason) + ")"));
  }
}

leader_impl::behavior_type leader(leader_pointer self, elector_actor elector,
                                  leader_config cfg,
                                  leadership_listener_actor app) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.elector = std::move(elector);
  st.app = std::move(app);
  st.lease_duration = lease_duration(self);
  // However the helper ends, what it leased is over.
  self->attach_functor([lease = st.cfg.lease] { lease->end(); });
  st.warnings = peer_warnings{"leader/" + st.cfg.component};
  refuse_unexpected(self, "leader/" + st.cfg.component);
  self->set_down_handler(
    [self](const caf::down_msg& msg) { on_down(self, msg); });
  self->monitor(st.app);
  self->monitor(st.elector);
  join(self, 1);
  return {
    [self](grant_atom, const std::string&, const session_id& session,
           epoch_t epoch) {
      fence_if_expired(self);
      if (self->state.leaving)
        return;
      if (is_from_elector(self))
        on_grant(self, session, epoch);
      else
        verify_grant(self, session, epoch);
    },
    [self](revoke_atom, const std::string&, const session_id& session) {
      fence_if_expired(self);
      auto& st = self->state;
      if (from_elector(self, "revoke") && st.grant
          && st.grant->session == session)
        end_grant(self, ended(self, "leadership revoked"));
    },
    [self](election_error_atom, const std::string&, const caf::error& err) {
      fence_if_expired(self);
      if (!from_elector(self, "election_error"))
        return;
      // A remote elector's node refuses the component name: for good.
      if (is(err, errc::invalid_argument))
        give_up(self, err);
      else
        end_grant(self, err);
    },
    [self](drain_atom, const std::string&, const session_id& session) {
      fence_if_expired(self);
      if (from_elector(self, "drain"))
        on_drain(self, session);
    },
    [self](drained_atom) {
      fence_if_expired(self);
      if (!check_app(self, "drained"))
        on_app_drained(self);
    },
    [self](caf::get_atom) -> caf::result<fencing_token> {
      fence_if_expired(self);
      if (auto err = check_app(self, "get"))
        return err;
      return current_token(self->state);
    },
    [self](fenced_atom, const fencing_token& token) {
      fence_if_expired(self);
      auto& st = self->state;
      if (check_app(self, "fenced") || !st.grant || !st.grant->confirmed
          || st.grant->epoch != token.epoch)
        return;
      auto session = st.grant->session;
      end_grant(self, make_error(errc::fenced,
                                 st.cfg.component + ": a write with epoch "
                                   + std::to_string(token.epoch)
                                   + " was fenced"));
      hand_back(self, session);
    },
    [self](resign_atom) -> caf::result<bool> {
      fence_if_expired(self);
      auto& st = self->state;
      if (auto err = check_app(self, "resign"))
        return err;
      if (!st.grant || st.leaving)
        return false;
      auto session = st.grant->session;
      // A grant awaiting confirmation goes back too, silently.
      end_grant(self, ended(self, "resigned"));
      auto rp = self->make_response_promise<bool>();
      hand_back(self, session, rp);
      return rp;
    },
    [self](leave_atom) -> caf::result<caf::ok_atom> {
      fence_if_expired(self);
      if (auto err = check_app(self, "leave"))
        return err;
      if (self->state.leaving)
        return caf::ok_atom::value;
      auto rp = self->make_response_promise<caf::ok_atom>();
      leave_and_quit(self, rp);
      return rp;
    },
    [self](join_atom, uint32_t attempt) {
      fence_if_expired(self);
      if (sent_by(self, self->address()))
        join(self, attempt);
    },
    [self](lease_atom, epoch_t epoch) {
      if (!sent_by(self, self->address()) || fence_if_expired(self))
        return;
      renew(self, epoch);
    },
  };
}

} // namespace ha::leader_detail

namespace ha {

leader_actor spawn_leader(caf::actor_system& sys, elector_actor elector,
                          leader_config cfg, leadership_listener_actor app) {
  if (!cfg.lease)
    cfg.lease = std::make_shared<leadership_lease>();
  cfg.lease->use_clock(&sys.clock());
  return caf::actor_cast<leader_actor>(
    sys.spawn(leader_detail::leader, std::move(elector), std::move(cfg), std::move(app)));
}

} // namespace ha
