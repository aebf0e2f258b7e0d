#include "caf_ha/actors/client/leader_state.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "caf_ha/messages/errors.hpp"

namespace ha::leader_detail {

namespace {

/// What `configure_actor_system` gives a client with the default
/// ha.heartbeat.* settings.
constexpr caf::timespan default_lease = std::chrono::seconds(3);

} // namespace

/// CAF's own default connection timeout, zero, means none.
caf::timespan lease_duration(leader_pointer self) {
  auto& cfg = self->state.cfg;
  if (cfg.lease_duration.count() > 0)
    return cfg.lease_duration;
  auto configured = caf::get_or(self->system().config(),
                                "middleman.connection-timeout",
                                caf::timespan{0});
  return configured.count() > 0 ? configured : default_lease;
}

/// Asks the elector again after a quarter of the lease.
void schedule_renewal(leader_pointer self) {
  auto& st = self->state;
  self->delayed_send(self, st.lease_duration / 4, lease_atom::value,
                     st.grant->epoch);
}

/// Extends the lease of the current grant to `asked + lease_duration`;
/// false if that is over.
bool renew_lease(leader_pointer self, caf::actor_clock::time_point asked) {
  auto& st = self->state;
  st.cfg.lease->renew(st.grant->epoch, asked + st.lease_duration);
  return st.cfg.lease->held(st.grant->epoch);
}

/// How long one renewal question may take: a lost one is asked again while
/// the lease still runs.
caf::timespan renewal_timeout(const leader_state& st) {
  return std::min(st.cfg.request_timeout, st.lease_duration / 4);
}

/// The elector accepted the confirmation, but its answer came after a
/// lease from the moment of asking would have run out (a pause, a slow
/// link). Asks once more whether the session leads: leads on a timely yes,
/// gives the grant back otherwise. Giving back at once would make a lone
/// contender on a slow link take and return grants without pause.
void confirm_late(leader_pointer self, const session_id& session) {
  auto& st = self->state;
  st.log->warn("{}: the confirmation came after the lease of {} ms would "
               "have run out; asking again",
               st.cfg.component, millis(st.lease_duration));
  auto asked = self->clock().now();
  auto give_back = [self, session] {
    auto& st = self->state;
    if (!awaits_confirmation(st, session))
      return;
    st.log->warn("{}: no timely answer whether the grant leads; giving it "
                 "back",
                 st.cfg.component);
    st.grant.reset();
    st.cfg.lease->end();
    hand_back(self, session, {});
  };
  self
    ->request(st.elector, renewal_timeout(st), leadership_atom::value,
              session)
    .then(
      [self, session, asked, give_back](bool leads) {
        auto& st = self->state;
        if (!awaits_confirmation(st, session))
          return;
        if (!leads) {
          st.grant.reset(); // Revoked meanwhile.
          st.cfg.lease->end();
        } else if (renew_lease(self, asked))
          start_leading(self);
        else
          give_back();
      },
      [give_back](const caf::error&) { give_back(); });
}

/// Gives leadership up once its lease ran out: the process was paused or
/// its elector did not answer in time, and the election may have granted
/// someone else meanwhile. True if it did.
bool fence_if_expired(leader_pointer self) {
  auto& st = self->state;
  if (!st.grant || !st.grant->confirmed
      || st.cfg.lease->held(st.grant->epoch))
    return false;
  auto session = st.grant->session;
  auto late = millis(st.cfg.lease->expired_for());
  st.log->warn("{}: fenced itself: its leadership lease of {} ms ran out {} "
               "ms ago (paused, or no answer from the election); giving "
               "leadership back",
               st.cfg.component, millis(st.lease_duration), late);
  end_grant(self, make_error(errc::fenced,
                             st.cfg.component + ": the leadership lease ran "
                               "out " + std::to_string(late) + " ms ago"));
  hand_back(self, session);
  return true;
}

/// Asks the elector whether the grant of `epoch` still leads, renewing
/// the lease on yes.
void renew(leader_pointer self, epoch_t epoch) {
  auto& st = self->state;
  if (!st.grant || !st.grant->confirmed || st.grant->epoch != epoch)
    return;
  auto session = st.grant->session;
  auto asked = self->clock().now();
  auto still_mine = [self, session] {
    auto& st = self->state;
    return st.grant && st.grant->confirmed && st.grant->session == session;
  };
  self
    ->request(st.elector, renewal_timeout(st), leadership_atom::value,
              session)
    .then(
      [self, asked, still_mine](bool leads) {
        if (!still_mine() || fence_if_expired(self))
          return;
        if (!leads) {
          end_grant(self, ended(self, "the election no longer counts it "
                                      "as leader"));
          return;
        }
        if (renew_lease(self, asked))
          schedule_renewal(self);
        else
          fence_if_expired(self);
      },
      [self, still_mine](const caf::error& err) {
        if (!still_mine() || fence_if_expired(self))
          return;
        // The lease runs out unless a later answer comes in time.
        self->state.log->info("{}: no answer whether it still leads: {}",
                              self->state.cfg.component, describe(err));
        schedule_renewal(self);
      });
}

} // namespace ha::leader_detail
