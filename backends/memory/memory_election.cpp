#include "backends/memory/memory_election.hpp"

#include <algorithm>

#include <caf/send.hpp>

namespace ha {

void memory_election::join(const std::string& component, uint64_t candidate,
                           election_events_actor events) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& st = components_[component];
  st.queue.push_back(candidate_entry{candidate, std::move(events)});
  grant_front(st);
}

void memory_election::leave(const std::string& component, uint64_t candidate) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& st = components_[component];
  auto i = std::find_if(st.queue.begin(), st.queue.end(),
                        [&](auto& x) { return x.id == candidate; });
  if (i == st.queue.end())
    return;
  st.queue.erase(i);
  if (st.leader != candidate)
    return;
  st.leader.reset();
  set_published(component, st, leader_info{});
  grant_front(st);
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
  auto& subs = components_[component].subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), sink), subs.end());
}

caf::expected<std::shared_ptr<memory_election>>
memory_election::make_durable(epoch_reserver reserve) {
  auto result = std::make_shared<memory_election>();
  result->reserve_ = std::move(reserve);
  if (auto err = result->reserve_more())
    return err;
  return result;
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

void memory_election::grant_front(component_state& st) {
  if (st.leader || st.queue.empty())
    return;
  auto& front = st.queue.front();
  auto epoch = next_epoch(st);
  if (!epoch) {
    // Granting without a durable epoch could repeat one after a restart.
    caf::anon_send(front.events, driver_error_atom::value, epoch.error());
    return;
  }
  st.leader = front.id;
  caf::anon_send(front.events, granted_atom::value, front.id, *epoch);
}

void memory_election::set_published(const std::string& component,
                                    component_state& st, leader_info info) {
  st.published = std::move(info);
  for (auto& sink : st.subscribers)
    caf::anon_send(sink, leader_atom::value, component, st.published);
}

} // namespace ha
