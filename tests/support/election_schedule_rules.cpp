// The rules the randomized schedule checks after every step (issue 6): at
// most one leader per component, epochs growing, has_leadership true for
// exactly the current session, every listener's last notification equal to
// the published leader.

#include "tests/support/election_schedule.hpp"

namespace ha::test {

namespace {

const std::string& component_name(size_t c) {
  return schedule_components()[c];
}

} // namespace

/// The live contender holding an unrevoked grant, and its session; a second
/// one is a broken rule.
std::pair<contender_ptr, session_id> election_schedule::leader_of(size_t c) {
  std::pair<contender_ptr, session_id> result{nullptr, nil_session_id()};
  for (auto& [handle, p] : contenders_) {
    if (p->component != c || !p->alive)
      continue;
    for (auto& [s, e] : p->grants) {
      if (p->revoked.count(s) != 0)
        continue;
      if (result.first)
        violation(component_name(c) + " has two leaders: "
                  + result.first->address + " and " + p->address);
      result = {p, s};
    }
  }
  return result;
}

void election_schedule::check_component(size_t c) {
  auto [leader, session] = leader_of(c);
  check_liveness(c, leader);
  auto epochs = check_epochs(c);
  check_leadership(c, session);
  leader_info expected;
  if (leader && leader->confirmed.count(session) != 0)
    expected = leader_info{leader->address, session, epochs[session]};
  check_retrieval(c, expected);
}

void election_schedule::check_liveness(size_t c, const contender_ptr& leader) {
  for (auto& [handle, p] : contenders_) {
    if (p->component != c)
      continue;
    for (auto& what : p->unexpected)
      violation(p->address + ": " + what);
    p->unexpected.clear();
    if (!leader && p->alive && p->joined)
      violation(component_name(c) + " has no leader although " + p->address
                + " waits");
  }
}

/// Epochs of the grants, in the order the elector created the sessions,
/// must strictly grow.
std::map<session_id, epoch_t> election_schedule::check_epochs(size_t c) {
  std::map<session_id, epoch_t> epochs;
  for (auto& [handle, p] : contenders_)
    if (p->component == c)
      for (auto& [s, e] : p->grants)
        epochs.emplace(s, e);
  epoch_t last = 0;
  for (auto& s : *services_[c].issued) {
    auto i = epochs.find(s);
    if (i == epochs.end())
      continue;
    if (i->second <= last)
      violation(component_name(c) + ": epoch " + std::to_string(i->second)
                + " of " + to_string(s) + " follows epoch "
                + std::to_string(last));
    last = i->second;
  }
  return epochs;
}

/// has_leadership holds for exactly the current session: none of the
/// sessions ever issued, nor the nil one, answers true otherwise.
void election_schedule::check_leadership(size_t c,
                                         const session_id& current) {
  auto queries = *services_[c].issued;
  queries.push_back(nil_session_id());
  for (auto& s : queries) {
    auto answer = ask_expected<bool>(services_[c].elector,
                                     leadership_atom::value, s);
    if (!answer)
      violation(component_name(c) + " elector unreachable: "
                + sys.render(answer.error()));
    else if (*answer != (s == current && !s.is_nil()))
      violation(component_name(c) + ": has_leadership(" + to_string(s) + ") is "
                + (*answer ? "true" : "false"));
  }
}

void election_schedule::check_retrieval(size_t c,
                                        const leader_info& expected) {
  auto got = ask_expected<leader_info>(services_[c].retriever,
                                       caf::get_atom::value);
  if (!got)
    violation(component_name(c) + " retriever unreachable");
  else if (!same_leader_and_epoch(*got, expected))
    violation(component_name(c) + " retriever says " + leader_text(*got)
              + ", expected " + leader_text(expected));
  for (auto& [handle, p] : listeners_)
    if (p->component == c)
      check_listener(*p, expected);
}

void election_schedule::check_listener(listener_probe& p,
                                       const leader_info& expected) {
  for (auto& what : p.unexpected)
    violation(p.name + ": " + what);
  p.unexpected.clear();
  for (size_t i = 1; i < p.seen.size(); ++i)
    if (p.seen[i].same_leader(p.seen[i - 1]))
      violation(p.name + " was told " + leader_text(p.seen[i]) + " twice");
  if (p.frozen_at && p.seen.size() != *p.frozen_at)
    violation(p.name + " was told something after it left");
  if (!p.alive || !p.joined)
    return;
  if (p.seen.empty())
    violation(p.name + " never heard of any leader");
  else if (!same_leader_and_epoch(p.seen.back(), expected))
    violation(p.name + " last heard " + leader_text(p.seen.back())
              + ", expected " + leader_text(expected));
}

} // namespace ha::test
