// Attacks on electors and retrievers: speaking for the election backend,
// acting for another process's contender with a session a listener learns,
// moving leadership without the admin secret,
// and asking for more electors and retrievers than anyone uses.

#include <random>
#include <set>
#include <stdexcept>

#include "tests/support/hostile_peer/hostile_peer.hpp"

namespace ha::hostile {

namespace {

const std::string evil_address = "tcp://evil:1";

/// The epoch of every forged grant: a grant carrying it was caused by one.
constexpr epoch_t forged_epoch = 999;

std::string component_option(const attack_context& ctx) {
  return ctx.option("component", "dispatcher");
}

caf::actor elector(attack_context& ctx) {
  return obtain<elector_actor>(ctx, elector_atom::value,
                               component_option(ctx));
}

caf::actor retriever(attack_context& ctx) {
  return obtain<retriever_actor>(ctx, retriever_atom::value,
                                 component_option(ctx));
}

/// The hostile peer's own actor, as the member it joins.
template <class Handle>
Handle me(attack_context& ctx) {
  return caf::actor_cast<Handle>(ctx.self.ptr());
}

template <class Handle>
void join(attack_context& ctx, const caf::actor& service,
          const Handle& member) {
  auto joined = ask<caf::ok_atom>(ctx, service, join_atom::value, member);
  if (!joined)
    throw std::runtime_error("join refused: " + describe(joined.error()));
}

/// What reached the hostile member: messages already in its mailbox.
struct member_inbox {
  int grants = 0;
  int forged_grants = 0;
  int revokes = 0;
  int errors = 0;
  int evil_leaders = 0;
};

member_inbox drain(attack_context& ctx) {
  member_inbox result;
  bool empty = false;
  // Bounded: the mailbox holds what the node sent before its last reply.
  for (int i = 0; i < 10000 && !empty; ++i)
    ctx.self->receive(
      [&](grant_atom, const std::string&, const session_id&, epoch_t epoch) {
        ++result.grants;
        result.forged_grants += epoch == forged_epoch ? 1 : 0;
      },
      [&](revoke_atom, const std::string&, const session_id&) {
        ++result.revokes;
      },
      [&](election_error_atom, const std::string&, const caf::error&) {
        ++result.errors;
      },
      [&](leader_atom, const std::string&, const leader_info& info) {
        if (info.address == evil_address)
          ++result.evil_leaders;
      },
      [&](retrieval_error_atom, const std::string&, const caf::error&) {
        ++result.errors;
      },
      [&](caf::down_msg&) {}, caf::after(0ms) >> [&] { empty = true; });
  return result;
}

/// Joins as a second contender, then sends what only the election driver
/// may send. The elector keeps the order of one sender's messages, so a
/// grant caused by the forgeries reaches us before the answer to the last
/// request does.
nlohmann::json forge_grant(attack_context& ctx) {
  auto service = elector(ctx);
  auto self = me<contender_actor>(ctx);
  join(ctx, service, self);
  for (uint64_t candidate = 1; candidate <= 10; ++candidate)
    ctx.self->send(service, granted_atom::value, candidate, forged_epoch);
  ctx.self->send(service, revoked_atom::value, uint64_t{1});
  ctx.self->send(service, driver_error_atom::value,
                 make_error(errc::backend_unavailable, "forged by a peer"));
  auto leads = ask<bool>(ctx, service, leadership_atom::value,
                         nil_session_id());
  if (!leads)
    throw std::runtime_error("leadership refused: "
                             + describe(leads.error()));
  auto inbox = drain(ctx);
  ask<caf::ok_atom>(ctx, service, leave_atom::value, self);
  // Without another contender the hostile one is granted legitimately:
  // only a grant of the forged epoch, a revoke or an error proves a hole.
  auto forged = inbox.forged_grants + inbox.revokes + inbox.errors;
  return {{"outcome", forged > 0 ? "accepted" : "refused"},
          {"grants", inbox.grants},
          {"forged_grants", inbox.forged_grants},
          {"revokes", inbox.revokes},
          {"election_errors", inbox.errors}};
}

/// Joins as a listener, then sends what only the retrieval driver may send,
/// and asks the retriever for the leader.
nlohmann::json forge_leader(attack_context& ctx) {
  auto service = retriever(ctx);
  auto self = me<listener_actor>(ctx);
  join(ctx, service, self);
  auto component = component_option(ctx);
  ctx.self->send(service, leader_atom::value, component,
                 leader_info{evil_address, nil_session_id(), forged_epoch});
  ctx.self->send(service, retrieval_error_atom::value, component,
                 make_error(errc::backend_unavailable, "forged by a peer"));
  auto leader = ask<leader_info>(ctx, service, caf::get_atom::value);
  if (!leader)
    throw std::runtime_error("get refused: " + describe(leader.error()));
  auto inbox = drain(ctx);
  ask<caf::ok_atom>(ctx, service, leave_atom::value, self);
  auto forged = inbox.evil_leaders + inbox.errors
                + (leader->address == evil_address ? 1 : 0);
  return {{"outcome", forged > 0 ? "accepted" : "refused"},
          {"leader_address", leader->address},
          {"evil_leaders_seen", inbox.evil_leaders},
          {"retrieval_errors", inbox.errors}};
}

/// The current leader's session, as any listener learns it.
session_id stolen_session(attack_context& ctx) {
  auto leader = ask<leader_info>(ctx, retriever(ctx), caf::get_atom::value);
  if (!leader || leader->session.is_nil())
    throw std::runtime_error("no leader whose session could be stolen");
  return leader->session;
}

nlohmann::json confirm_stolen(attack_context& ctx) {
  auto session = stolen_session(ctx);
  auto published = ask<bool>(ctx, elector(ctx), confirm_atom::value, session,
                             evil_address);
  auto report = verdict(published ? caf::none : published.error());
  if (published)
    report["published"] = *published;
  return report;
}

nlohmann::json resign_stolen(attack_context& ctx) {
  auto session = stolen_session(ctx);
  auto resigned = ask<bool>(ctx, elector(ctx), resign_atom::value, session);
  auto report = verdict(resigned ? caf::none : resigned.error());
  if (resigned)
    report["resigned"] = *resigned;
  return report;
}

/// drained(session) for the leader's session a listener learnt: only the
/// holder's process may end its own drain.
nlohmann::json drained_stolen(attack_context& ctx) {
  auto session = stolen_session(ctx);
  auto drained = ask<bool>(ctx, elector(ctx), drained_atom::value, session);
  return verdict(drained ? caf::none : drained.error());
}

/// The elector's own transfer, sent to its handle instead of the root:
/// only the node's process may ask it.
nlohmann::json elector_transfer(attack_context& ctx) {
  auto done = ask<caf::ok_atom>(ctx, elector(ctx), transfer_atom::value,
                                ctx.option("to", evil_address));
  return verdict(done ? caf::none : done.error());
}

/// The root's transfer to `--to`, with `--secret` (empty without).
nlohmann::json root_transfer(attack_context& ctx) {
  auto done = ask<caf::ok_atom>(ctx, ctx.any_root(), transfer_atom::value,
                                component_option(ctx),
                                ctx.option("to", evil_address),
                                ctx.option("secret", ""));
  return verdict(done ? caf::none : done.error());
}

std::string random_job_component(std::mt19937_64& gen) {
  job_id job;
  for (auto& byte : job.bytes)
    byte = static_cast<uint8_t>(gen());
  return component::job_manager(job);
}

/// Asks for `--count` electors and retrievers of random jobs, monitors each
/// and waits (at most `--wait-ms`) until every one of them is gone.
nlohmann::json lookups(attack_context& ctx) {
  auto count = std::stoi(ctx.option("count", "100"));
  auto wait = ctx.wait("30000");
  std::mt19937_64 gen{std::random_device{}()};
  auto start = std::chrono::steady_clock::now();
  std::set<caf::actor_addr> alive;
  for (int i = 0; i < count; ++i) {
    auto name = random_job_component(gen);
    auto handle = i % 2 == 0
                    ? obtain<elector_actor>(ctx, elector_atom::value, name)
                    : obtain<retriever_actor>(ctx, retriever_atom::value,
                                              name);
    ctx.self->monitor(handle);
    alive.insert(handle.address());
  }
  auto deadline = start + wait;
  bool timed_out = false;
  // Bounded by the deadline and by one down message per handle.
  for (int i = 0; i < 2 * count + 1 && !alive.empty() && !timed_out; ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    ctx.self->receive(
      [&](caf::down_msg& msg) { alive.erase(msg.source); },
      caf::after(std::max(left, 0ms)) >> [&] { timed_out = true; });
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start)
              .count();
  return {{"outcome", alive.empty() ? "reaped" : "kept"},
          {"handles", count},
          {"down", count - static_cast<int>(alive.size())},
          {"ms", ms}};
}

/// A component name of `--size` bytes: refused, and the answer should not
/// echo it back whole.
nlohmann::json huge_name(attack_context& ctx) {
  auto size = std::stoul(ctx.option("size", "1048576"));
  auto name = "job_manager/" + std::string(size, 'a');
  auto handle = ask<elector_actor>(ctx, ctx.any_root(), caf::get_atom::value,
                                   elector_atom::value, std::move(name));
  auto report = verdict(handle ? caf::none : handle.error());
  if (!handle)
    report["error_length"] = describe(handle.error()).size();
  return report;
}

} // namespace

void add_election_attacks(std::map<std::string, attack_fn>& attacks) {
  attacks["forge-grant"] = forge_grant;
  attacks["forge-leader"] = forge_leader;
  attacks["confirm-stolen-session"] = confirm_stolen;
  attacks["resign-stolen-session"] = resign_stolen;
  attacks["drained-stolen-session"] = drained_stolen;
  attacks["elector-transfer"] = elector_transfer;
  attacks["transfer"] = root_transfer;
  attacks["lookups"] = lookups;
  attacks["huge-name"] = huge_name;
}

} // namespace ha::hostile
