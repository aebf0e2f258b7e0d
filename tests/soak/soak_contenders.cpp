// soak_worker contenders: leader helpers that write fenced while they lead
// and resign at random (see soak_worker.hpp).

#include <memory>

#include <caf/all.hpp>

#include "caf_ha/actors/client/leader.hpp"
#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/actors/client/remote_store.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/stores.hpp"
#include "tests/soak/soak_worker.hpp"

namespace ha::soak {

namespace {

using write_tick_atom = caf::atom_constant<caf::atom("writetick")>;
using resign_tick_atom = caf::atom_constant<caf::atom("resigntick")>;
using quiet_atom = caf::atom_constant<caf::atom("quiet")>;

using contender_app_actor = leadership_listener_actor::extend<
  caf::reacts_to<write_tick_atom, epoch_t>,
  caf::reacts_to<resign_tick_atom, epoch_t>,
  caf::replies_to<quiet_atom>::with<caf::ok_atom>>;

/// What the contenders of one process share.
struct process_context {
  process_context(const std::string& log_path, uint32_t slot,
                  uint32_t incarnation, job_result_store_actor results)
    : log(log_path), slot(slot), incarnation(incarnation),
      results(std::move(results)) {
  }

  event_log log;
  ended_tokens ended;
  uint32_t slot;
  uint32_t incarnation;
  job_result_store_actor results;
};

struct contender_state {
  std::shared_ptr<process_context> ctx;
  uint32_t index = 0;
  std::string address;
  leader_actor helper;
  fencing_token token; // empty while not leading
  uint64_t seq = 0;
  std::minstd_rand rng;
  bool quiet = false;
  int in_flight = 0;
  caf::typed_response_promise<caf::ok_atom> quiet_rp;
  static inline const char* name = "soak_contender";
};

using contender_pointer
  = contender_app_actor::stateful_pointer<contender_state>;

constexpr auto request_timeout = std::chrono::seconds(30);

/// A job id no other write of the soak uses: slot, incarnation,
/// contender and a counter.
job_id next_job(contender_state& st) {
  job_id id;
  auto put = [&id](size_t at, uint64_t x, size_t len) {
    for (size_t i = 0; i < len; ++i)
      id.bytes[at + len - 1 - i] = static_cast<uint8_t>(x >> (8 * i));
  };
  id.bytes[0] = 0x5a;
  put(1, st.ctx->slot, 2);
  put(3, st.ctx->incarnation, 4);
  put(7, st.index, 2);
  put(9, st.seq++, 7);
  return id;
}

std::chrono::milliseconds uniform_ms(contender_state& st, int lo, int hi) {
  return std::chrono::milliseconds(
    std::uniform_int_distribution<int>{lo, hi}(st.rng));
}

std::string event(const std::string& what, const fencing_token& token,
                  const std::string& rest = "") {
  return what + " " + token.component + " " + std::to_string(token.epoch)
         + (rest.empty() ? "" : " " + rest);
}

void request_done(contender_pointer self) {
  auto& st = self->state;
  if (--st.in_flight == 0 && st.quiet && st.quiet_rp.pending())
    st.quiet_rp.deliver(caf::ok_atom::value);
}

/// Writes a job result with `token`; `on_reply` gets the outcome.
template <class OnReply>
void write_result(contender_pointer self, const fencing_token& token,
                  OnReply on_reply) {
  auto& st = self->state;
  job_result_entry entry;
  entry.id = next_job(st);
  entry.timestamp_ms = 1;
  ++st.in_flight;
  self
    ->request(st.ctx->results, request_timeout, create_dirty_atom::value,
              entry, token)
    .then(
      [self, on_reply, job = to_string(entry.id)](caf::ok_atom) {
        on_reply(job, caf::error{});
        request_done(self);
      },
      [self, on_reply, job = to_string(entry.id)](const caf::error& err) {
        on_reply(job, err);
        request_done(self);
      });
}

void schedule_write(contender_pointer self) {
  auto& st = self->state;
  self->delayed_send(self, uniform_ms(st, 20, 200), write_tick_atom::value,
                     st.token.epoch);
}

/// A leader's write: acknowledged, or fenced (then the helper hears of it).
void leader_write(contender_pointer self) {
  auto token = self->state.token;
  write_result(self, token, [self, token](const std::string& job,
                                          const caf::error& err) {
    auto& st = self->state;
    if (!err) {
      st.ctx->log.write(event("ack", token, job));
    } else if (err == errc::fenced) {
      st.ctx->log.write(event("fenced", token, job));
      self->send(st.helper, fenced_atom::value, token);
    } else {
      st.ctx->log.write(event("werr", token, job + " " + describe(err)));
    }
    if (st.token.epoch == token.epoch && !st.token.empty())
      schedule_write(self);
  });
}

/// A write with a token whose leadership ended before `newer` was granted:
/// the store must refuse it.
void stale_write(contender_pointer self, const fencing_token& stale) {
  write_result(self, stale, [self, stale](const std::string& job,
                                          const caf::error& err) {
    auto& log = self->state.ctx->log;
    if (!err)
      log.write(event("stale_ack", stale, job));
    else if (err == errc::fenced)
      log.write(event("stale_fenced", stale, job));
    else
      log.write(event("stale_other", stale, job + " " + describe(err)));
  });
}

void on_leading(contender_pointer self, fencing_token token) {
  auto& st = self->state;
  st.token = token;
  st.ctx->log.write(event("leading", token, st.address));
  if (st.quiet)
    return;
  if (auto stale = st.ctx->ended.older_than(token.component, token.epoch))
    stale_write(self, *stale);
  schedule_write(self);
  if (std::bernoulli_distribution{0.7}(st.rng))
    self->delayed_send(self, uniform_ms(st, 200, 2500),
                       resign_tick_atom::value, token.epoch);
}

void resign(contender_pointer self) {
  auto& st = self->state;
  st.ctx->log.write(event("resign", st.token));
  ++st.in_flight;
  self->request(st.helper, request_timeout, resign_atom::value)
    .then([self](bool) { request_done(self); },
          [self](const caf::error& err) {
            self->state.ctx->log.write("resign_err " + describe(err));
            request_done(self);
          });
}

bool leads_with(contender_state& st, epoch_t epoch) {
  return !st.quiet && !st.token.empty() && st.token.epoch == epoch;
}

contender_app_actor::behavior_type
contender(contender_pointer self, std::shared_ptr<process_context> ctx,
          uint32_t index,
          elector_actor elector, std::string component, uint64_t seed) {
  auto& st = self->state;
  st.ctx = ctx;
  st.index = index;
  st.rng.seed(static_cast<std::minstd_rand::result_type>(seed));
  st.address = "s" + std::to_string(ctx->slot) + "-i"
               + std::to_string(ctx->incarnation) + "-c"
               + std::to_string(index) + ":6123";
  st.helper = spawn_leader(self->system(), elector, {component, st.address},
                           self);
  return {
    [self](leading_atom, const std::string&, fencing_token token) {
      on_leading(self, std::move(token));
    },
    [self](not_leading_atom, const std::string&, const caf::error& why) {
      auto& st = self->state;
      if (st.token.empty())
        return;
      st.ctx->log.write(event("ended", st.token, describe(why)));
      st.ctx->ended.add(st.token);
      st.token = {};
    },
    [self](write_tick_atom, epoch_t epoch) {
      if (leads_with(self->state, epoch))
        leader_write(self);
    },
    [self](resign_tick_atom, epoch_t epoch) {
      if (leads_with(self->state, epoch))
        resign(self);
    },
    [self](quiet_atom) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      st.quiet = true;
      if (st.in_flight == 0)
        return caf::ok_atom::value;
      st.quiet_rp = self->make_response_promise<caf::ok_atom>();
      return st.quiet_rp;
    },
  };
}

/// Stops resigning and writing; true once every contender's requests in
/// flight are answered.
bool make_quiet(caf::actor_system& sys,
                const std::vector<contender_app_actor>& contenders) {
  caf::scoped_actor self{sys};
  bool ok = true;
  for (auto& c : contenders)
    self->request(c, std::chrono::seconds(60), quiet_atom::value)
      .receive([](caf::ok_atom) {}, [&ok](const caf::error&) { ok = false; });
  return ok;
}

} // namespace

int run_contenders(const worker_args& args) {
  return run_client(args, [&](caf::actor_system& sys,
                              services_link_actor link) {
    auto ctx = std::make_shared<process_context>(
      args.log_path, args.slot, args.incarnation,
      spawn_remote_job_results(sys, link));
    std::vector<elector_actor> electors;
    for (uint32_t k = 0; k < args.components; ++k)
      electors.push_back(spawn_remote_elector(sys, link, component_name(k)));
    std::vector<contender_app_actor> contenders;
    for (uint32_t i = 0; i < args.count; ++i)
      contenders.push_back(sys.spawn(contender, ctx, i,
                                     electors[i % args.components],
                                     component_name(i % args.components),
                                     args.seed * 1000003 + i));
    say("ready");
    if (await_usr1()) {
      say(make_quiet(sys, contenders) ? "quiet" : "quiet failed");
      while (await_usr1())
        continue;
    }
    for (auto& c : contenders)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    return 0;
  });
}

} // namespace ha::soak
