#include "tests/support/election_schedule.hpp"

#include <algorithm>
#include <sstream>

#include "tests/support/random_schedule.hpp"

namespace ha::test {

namespace {


/// Confirms every grant at once unless hung, as a master process would; the
/// confirmation races with whatever else the batch does.
contender_actor::behavior_type probed_contender(contender_actor::pointer self,
                                                contender_ptr p) {
  return {
    [=](grant_atom, const std::string&, const session_id& s, epoch_t e) {
      p->grants.emplace_back(s, e);
      if (p->hung)
        return;
      auto elector = caf::actor_cast<elector_actor>(self->current_sender());
      self->request(elector, caf::infinite, confirm_atom::value, s, p->address)
        .then(
          [=](bool accepted) {
            if (accepted)
              p->confirmed.insert(s);
          },
          [=](const caf::error& err) {
            p->unexpected.push_back("confirm failed: " + to_string(err));
          });
    },
    [=](revoke_atom, const std::string&, const session_id& s) {
      p->revoked.insert(s);
    },
    [=](election_error_atom, const std::string&, const caf::error& err) {
      p->unexpected.push_back("election error: " + to_string(err));
    },
  };
}

listener_actor::behavior_type probed_listener(listener_actor::pointer,
                                              listener_ptr p) {
  return {
    [=](leader_atom, const std::string&, const leader_info& info) {
      p->seen.push_back(info);
    },
    [=](retrieval_error_atom, const std::string&, const caf::error& err) {
      p->unexpected.push_back("retrieval error: " + to_string(err));
    },
  };
}

template <class T>
T* pick_from(std::mt19937_64& rng, std::vector<T>& xs) {
  if (xs.empty())
    return nullptr;
  std::uniform_int_distribution<size_t> dist{0, xs.size() - 1};
  return &xs[dist(rng)];
}

} // namespace

const std::vector<std::string>& schedule_components() {
  static const std::vector<std::string> result{"dispatcher", "rest"};
  return result;
}

std::string leader_text(const leader_info& x) {
  if (x.empty())
    return "no leader";
  std::ostringstream out;
  out << x.address << " session " << to_string(x.session) << " epoch "
      << x.epoch;
  return out.str();
}

bool same_leader_and_epoch(const leader_info& x, const leader_info& y) {
  return x.same_leader(y) && x.epoch == y.epoch;
}

coverage& coverage::operator+=(const coverage& x) {
  grants += x.grants;
  failovers += x.failovers;
  stale_rejected += x.stale_rejected;
  confirmed += x.confirmed;
  notifications += x.notifications;
  return *this;
}

// -- setup and steps ----------------------------------------------------------

const std::vector<election_schedule::operation>&
election_schedule::operations() {
  using s = election_schedule;
  static const std::vector<operation> table{
    {20, &s::join_contender},  {2, &s::join_dead_contender},
    {8, &s::leave_contender},  {6, &s::crash_contender},
    {5, &s::hang_contender},   {8, &s::confirm_current},
    {8, &s::confirm_stale},    {8, &s::resign_current},
    {4, &s::resign_stale},     {10, &s::join_listener},
    {2, &s::join_dead_listener}, {5, &s::leave_listener},
    {4, &s::crash_listener},
  };
  return table;
}

election_schedule::election_schedule(uint64_t seed) : rng_(seed) {
  std::vector<int> weights;
  for (auto& op : operations())
    weights.push_back(op.weight);
  ops_dist_ = std::discrete_distribution<size_t>(weights.begin(),
                                                 weights.end());
  auto clock = clock_;
  journal_ = journal::in_memory([clock] { return *clock; });
  auto& names = schedule_components();
  for (size_t i = 0; i < names.size(); ++i) {
    auto issued = std::make_shared<std::vector<session_id>>();
    auto ids = seeded_session_ids(seed * names.size() + i, issued);
    services_.push_back(
      {keep(spawn_elector(sys, {names[i], arbiter_, ids, journal_})),
       keep(spawn_retriever(sys, {names[i], arbiter_, journal_})), issued});
  }
  run();
}

election_schedule::~election_schedule() {
  for (auto& [handle, probe] : contenders_)
    caf::anon_send_exit(handle, caf::exit_reason::kill);
  for (auto& [handle, probe] : listeners_)
    caf::anon_send_exit(handle, caf::exit_reason::kill);
}

std::vector<std::string> election_schedule::step(size_t index) {
  index_ = index;
  *clock_ = static_cast<int64_t>(index) * 1000;
  // Operations pick "current" and "stale" sessions from the state before
  // the batch: a crash earlier in the same batch does not make a session
  // stale before the elector learned of it.
  leaders_.clear();
  for (size_t c = 0; c < schedule_components().size(); ++c)
    leaders_.push_back(leader_of(c));
  for (auto n = pick(1, 3); n > 0; --n)
    (this->*operations()[ops_dist_(rng_)].run)();
  if (!drain_randomly(sched, rng_))
    return {"the actors never became idle"};
  for (auto& collect : replies_)
    collect();
  replies_.clear();
  for (size_t c = 0; c < schedule_components().size(); ++c)
    check_component(c);
  return std::exchange(violations_, {});
}

std::string election_schedule::trace() const {
  std::string result;
  for (auto& line : trace_)
    result += "  " + line + "\n";
  return result;
}

coverage election_schedule::summary() const {
  auto result = covered_;
  std::map<session_id, const contender_probe*> owners;
  for (auto& [handle, p] : contenders_)
    for (auto& [s, e] : p->grants)
      owners.emplace(s, p.get());
  for (auto& svc : services_) {
    const contender_probe* previous = nullptr;
    for (auto& s : *svc.issued) {
      auto i = owners.find(s);
      if (i == owners.end())
        continue;
      ++result.grants;
      result.failovers += previous && previous != i->second ? 1 : 0;
      result.confirmed += i->second->confirmed.count(s);
      previous = i->second;
    }
  }
  for (auto& [handle, p] : listeners_)
    result.notifications += p->seen.size();
  return result;
}

int election_schedule::pick(int min, int max) {
  return std::uniform_int_distribution<int>{min, max}(rng_);
}

size_t election_schedule::pick_component() {
  auto count = static_cast<int>(schedule_components().size());
  return static_cast<size_t>(pick(0, count - 1));
}

void election_schedule::note(const std::string& what) {
  trace_.push_back("step " + std::to_string(index_) + ": " + what);
}

void election_schedule::violation(const std::string& what) {
  violations_.push_back(what);
}

template <class R, class Handle, class F, class... Ts>
void election_schedule::request(const Handle& dest, F on_reply, Ts... xs) {
  auto pending = self->request(dest, caf::infinite, std::move(xs)...);
  replies_.push_back([this, pending, on_reply]() mutable {
    pending.receive([&](R& x) { on_reply(x); },
                    [&](caf::error& err) {
                      violation("request failed: " + sys.render(err));
                    });
  });
}

// -- contender operations -----------------------------------------------------

void election_schedule::spawn_contender(bool dead) {
  auto p = std::make_shared<contender_probe>();
  p->address = "contender#" + std::to_string(contenders_.size() + 1);
  p->component = pick_component();
  p->hung = pick(0, 3) == 0;
  auto handle = sys.spawn(probed_contender, p);
  contenders_.emplace_back(handle, p);
  if (dead) {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    p->alive = false;
  }
  request<caf::ok_atom>(services_[p->component].elector,
                        [p](caf::ok_atom) { p->joined = true; },
                        join_atom::value, handle);
  note(std::string{dead ? "dead " : ""} + (p->hung ? "hung " : "")
       + p->address + " joins " + schedule_components()[p->component]);
}

void election_schedule::join_contender() {
  spawn_contender(false);
}

void election_schedule::join_dead_contender() {
  spawn_contender(true);
}

void election_schedule::leave_contender() {
  auto entry = pick_from(rng_, contenders_);
  if (!entry)
    return;
  auto p = entry->second;
  request<caf::ok_atom>(services_[p->component].elector,
                        [p](caf::ok_atom) { p->joined = false; },
                        leave_atom::value, entry->first);
  note(p->address + " leaves");
}

void election_schedule::crash_contender() {
  auto entry = pick_from(rng_, contenders_);
  if (!entry || !entry->second->alive)
    return;
  caf::anon_send_exit(entry->first, caf::exit_reason::kill);
  entry->second->alive = false;
  note(entry->second->address + " crashes");
}

void election_schedule::hang_contender() {
  auto entry = pick_from(rng_, contenders_);
  if (!entry || !entry->second->alive)
    return;
  entry->second->hung = true;
  note(entry->second->address + " hangs");
}

/// A hung contender wakes up, or a confirmation is repeated.
void election_schedule::confirm_current() {
  auto c = pick_component();
  auto [owner, session] = leaders_[c];
  if (!owner)
    return;
  auto s = session;
  request<bool>(services_[c].elector,
                [owner = owner, s](bool accepted) {
                  if (accepted)
                    owner->confirmed.insert(s);
                },
                confirm_atom::value, s, owner->address);
  note(owner->address + " confirms " + to_string(s));
}

/// A session the elector issued that is not the current one: a batch starts
/// with every message delivered, so it stays stale whatever the batch does.
std::optional<session_id> election_schedule::stale_session(size_t c) {
  auto current = leaders_[c].second;
  std::vector<session_id> stale;
  for (auto& s : *services_[c].issued)
    if (s != current)
      stale.push_back(s);
  if (auto s = pick_from(rng_, stale))
    return *s;
  return std::nullopt;
}

void election_schedule::confirm_stale() {
  auto c = pick_component();
  auto s = stale_session(c);
  if (!s)
    return;
  request<bool>(services_[c].elector,
                [this, s = *s](bool accepted) {
                  if (accepted)
                    violation("stale confirmation of " + to_string(s)
                              + " was accepted");
                  else
                    ++covered_.stale_rejected;
                },
                confirm_atom::value, *s, std::string{"stale-host"});
  note("stale confirmation of " + to_string(*s));
}

void election_schedule::resign_current() {
  auto c = pick_component();
  auto [owner, session] = leaders_[c];
  if (!owner)
    return;
  request<bool>(services_[c].elector, [](bool) {}, resign_atom::value,
                session);
  note(owner->address + " resigns " + to_string(session));
}

void election_schedule::resign_stale() {
  auto c = pick_component();
  auto s = stale_session(c);
  if (!s)
    return;
  request<bool>(services_[c].elector,
                [this, s = *s](bool done) {
                  if (done)
                    violation("resign of stale " + to_string(s)
                              + " succeeded");
                },
                resign_atom::value, *s);
  note("stale resign of " + to_string(*s));
}

// -- listener operations ------------------------------------------------------

void election_schedule::spawn_listener(bool dead) {
  auto p = std::make_shared<listener_probe>();
  p->name = "listener#" + std::to_string(listeners_.size() + 1);
  p->component = pick_component();
  auto handle = sys.spawn(probed_listener, p);
  listeners_.emplace_back(handle, p);
  if (dead) {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    p->alive = false;
  }
  request<caf::ok_atom>(services_[p->component].retriever,
                        [p](caf::ok_atom) { p->joined = true; },
                        join_atom::value, handle);
  note(std::string{dead ? "dead " : ""} + p->name + " listens to "
       + schedule_components()[p->component]);
}

void election_schedule::join_listener() {
  spawn_listener(false);
}

void election_schedule::join_dead_listener() {
  spawn_listener(true);
}

void election_schedule::leave_listener() {
  auto entry = pick_from(rng_, listeners_);
  if (!entry)
    return;
  auto p = entry->second;
  // Whatever was sent before the leave is delivered by the end of the
  // batch; from then on the listener must hear nothing.
  request<caf::ok_atom>(services_[p->component].retriever,
                        [p](caf::ok_atom) {
                          p->joined = false;
                          p->frozen_at = p->seen.size();
                        },
                        leave_atom::value, entry->first);
  note(p->name + " stops listening");
}

void election_schedule::crash_listener() {
  auto entry = pick_from(rng_, listeners_);
  if (!entry || !entry->second->alive)
    return;
  caf::anon_send_exit(entry->first, caf::exit_reason::kill);
  entry->second->alive = false;
  note(entry->second->name + " crashes");
}

} // namespace ha::test
