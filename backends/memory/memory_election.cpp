#include "caf_ha/backends/memory/memory_election.hpp"

#include <algorithm>

#include <caf/send.hpp>

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// Electors may spell a job manager's component in either case; the grant
/// that fences check is one per component.
std::string canonical_or_same(const std::string& component) {
  auto name = component::canonical(component);
  return name ? *name : component;
}

} // namespace

void memory_election::join(const std::string& component, uint64_t candidate,
                           const contender_options& options,
                           election_events_actor events) {
  std::lock_guard<std::mutex> guard{mtx_};
  do_join(component, candidate, options, std::move(events), true);
}

void memory_election::requeue(const std::string& component,
                              uint64_t old_candidate, uint64_t candidate,
                              const contender_options& options,
                              election_events_actor events) {
  std::lock_guard<std::mutex> guard{mtx_};
  do_leave(component, old_candidate);
  do_join(component, candidate, options, std::move(events), false);
}

void memory_election::do_join(const std::string& component,
                              uint64_t candidate,
                              const contender_options& options,
                              election_events_actor events, bool fresh) {
  auto& st = components_[component];
  auto pos = st.queue.insert(queue_position(st, options.priority),
                             candidate_entry{candidate, std::move(events),
                                             options});
  grant_front(component, st);
  if (fresh && st.leader && !st.next && fails_back(component)
      && options.priority > st.queue.front().options.priority)
    hand_over(st, pos);
}

std::deque<memory_election::candidate_entry>::iterator
memory_election::queue_position(component_state& st, int32_t priority) {
  auto first = st.queue.begin() + (st.leader ? 1 : 0) + (st.next ? 1 : 0);
  return std::find_if(first, st.queue.end(), [&](const candidate_entry& x) {
    return x.options.priority < priority;
  });
}

void memory_election::hand_over(component_state& st,
                                std::deque<candidate_entry>::iterator target) {
  auto entry = std::move(*target);
  st.queue.erase(target);
  st.next = entry.id;
  st.queue.insert(st.queue.begin() + 1, std::move(entry));
  auto& leader = st.queue.front();
  caf::anon_send(leader.events, resign_atom::value, leader.id);
}

bool memory_election::fails_back(const std::string& component) const {
  return ha::fails_back(fail_back_, canonical_or_same(component));
}

void memory_election::fail_back(std::vector<std::string> components) {
  std::lock_guard<std::mutex> guard{mtx_};
  fail_back_ = std::move(components);
}

void memory_election::transfer(const std::string& component,
                               const std::string& to, uint64_t request,
                               election_events_actor events) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto answer = [&](caf::error err) {
    caf::anon_send(events, transfer_atom::value, request, std::move(err));
  };
  auto& st = components_[component];
  auto declared = [&](const candidate_entry& x) {
    return x.options.address == to;
  };
  auto target = std::find_if(st.queue.begin(), st.queue.end(), declared);
  auto count = std::count_if(st.queue.begin(), st.queue.end(), declared);
  if (target == st.queue.end())
    answer(make_error(errc::not_found, component + ": no contender declared "
                                         "the address " + to));
  else if (count > 1)
    answer(make_error(errc::invalid_argument,
                      component + ": " + std::to_string(count)
                        + " contenders declared the address " + to
                        + "; a transfer needs exactly one"));
  else if (!st.leader)
    answer(make_error(errc::backend_unavailable,
                      component + ": no leader to transfer from"));
  else if (target == st.queue.begin())
    answer(make_error(errc::invalid_argument,
                      component + ": " + to + " leads already"));
  else if (st.next)
    answer(make_error(errc::already_exists,
                      component + ": another handover is under way"));
  else {
    hand_over(st, target);
    answer(caf::none);
  }
  forget_if_unused(components_.find(component));
}

void memory_election::leave(const std::string& component, uint64_t candidate) {
  std::lock_guard<std::mutex> guard{mtx_};
  do_leave(component, candidate);
}

void memory_election::do_leave(const std::string& component,
                               uint64_t candidate) {
  auto& st = components_[component];
  auto i = std::find_if(st.queue.begin(), st.queue.end(),
                        [&](auto& x) { return x.id == candidate; });
  if (i == st.queue.end())
    return;
  st.queue.erase(i);
  if (st.next == candidate)
    st.next.reset();
  if (st.leader != candidate)
    return;
  st.leader.reset();
  release(component);
  set_published(component, st, leader_info{});
  grant_front(component, st);
  forget_if_unused(components_.find(component));
}

void memory_election::publish(const std::string& component,
                              uint64_t candidate, const leader_info& info) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& st = components_[component];
  if (st.leader == candidate)
    set_published(component, st, info);
}

void memory_election::subscribe(const std::string& component,
                                listener_actor sink) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& st = components_[component];
  caf::anon_send(sink, leader_atom::value, component, st.published);
  st.subscribers.push_back(std::move(sink));
}

void memory_election::unsubscribe(const std::string& component,
                                  const listener_actor& sink) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = components_.find(component);
  if (i == components_.end())
    return;
  auto& subs = i->second.subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), sink), subs.end());
  forget_if_unused(i);
}

size_t memory_election::tracked_components() {
  std::lock_guard<std::mutex> guard{mtx_};
  return components_.size();
}

void memory_election::forget_if_unused(component_map::iterator i) {
  // Peers may ask for any number of job managers' retrievers: a component
  // nobody contends in or listens to must not cost memory for ever. One
  // that counted its own epochs keeps them, so that they keep growing.
  auto& st = i->second;
  if (st.queue.empty() && st.subscribers.empty() && st.last_epoch == 0
      && st.published.empty())
    components_.erase(i);
}

caf::expected<std::shared_ptr<memory_election>>
memory_election::make_durable(epoch_reserver reserve, grant_recorder record) {
  auto result = std::make_shared<memory_election>();
  result->reserve_ = std::move(reserve);
  result->record_ = std::move(record);
  if (auto err = result->reserve_more())
    return err;
  if (result->record_.clear)
    if (auto err = result->record_.clear())
      return err;
  return result;
}

caf::error memory_election::run_fenced(
  const fencing_token& fence, const std::function<caf::error()>& write) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = grants_.find(fence.component);
  if (auto err = grant_state::check(i == grants_.end() ? nullptr : &i->second,
                                    fence))
    return err;
  // Under the lock: no grant changes until the write is done.
  return write();
}

void memory_election::release(const std::string& component) {
  auto name = canonical_or_same(component);
  grants_[name].current.reset();
  if (!record_.release)
    return;
  // The next grant replaces the record anyway; until then the stale one
  // would still let the old leader write: say so loudly.
  if (auto err = record_.release(name))
    logger("election")->error("{}: the end of a grant is not recorded: {}",
                              component, describe(err));
}

caf::error memory_election::reserve_more() {
  auto first = reserve_(reserve_block);
  if (!first)
    return std::move(first.error());
  next_reserved_ = *first;
  reserved_end_ = *first + reserve_block;
  return caf::none;
}

caf::expected<epoch_t> memory_election::next_epoch(component_state& st) {
  if (!reserve_)
    return ++st.last_epoch;
  if (next_reserved_ == reserved_end_)
    if (auto err = reserve_more())
      return err;
  return next_reserved_++;
}

void memory_election::grant_front(const std::string& component,
                                  component_state& st) {
  if (st.leader || st.queue.empty())
    return;
  auto& front = st.queue.front();
  auto epoch = next_epoch(st);
  if (!epoch) {
    // Granting without a durable epoch could repeat one after a restart.
    caf::anon_send(front.events, driver_error_atom::value, epoch.error());
    return;
  }
  auto name = canonical_or_same(component);
  if (record_.grant) {
    // Stores check fences against the record: it must exist first.
    if (auto err = record_.grant(name, *epoch)) {
      caf::anon_send(front.events, driver_error_atom::value, err);
      return;
    }
  }
  auto& grant = grants_[name];
  grant.last_issued = std::max(grant.last_issued, *epoch);
  grant.current = *epoch;
  st.leader = front.id;
  if (st.next == front.id)
    st.next.reset();
  caf::anon_send(front.events, granted_atom::value, front.id, *epoch);
}

void memory_election::set_published(const std::string& component,
                                    component_state& st, leader_info info) {
  st.published = std::move(info);
  for (auto& sink : st.subscribers)
    caf::anon_send(sink, leader_atom::value, component, st.published);
}

} // namespace ha
