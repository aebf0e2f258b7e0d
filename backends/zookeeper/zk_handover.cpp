// Handovers in ZooKeeper mode (see zk_election.hpp): the handover node, the
// candidates that stand aside for its pick, free elections by priority,
// fail-back and transfers.

#include "caf_ha/backends/zookeeper/zk_election.hpp"

#include <algorithm>

#include <caf/send.hpp>

#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

bool zk_election::stand_aside(const std::string& component,
                              uint64_t candidate, candidate_state& cs) {
  if (!cs.granted) {
    requeue(component, candidate, cs);
    return true;
  }
  // Leads until its elector drained it and it left: its node stays the
  // lowest meanwhile, so its writes still pass the fence.
  if (!std::exchange(cs.stepping_down, true))
    caf::anon_send(cs.events, resign_atom::value, candidate);
  return false;
}

bool zk_election::lead(const std::string& component, uint64_t candidate,
                       candidate_state& cs,
                       const std::vector<std::string>& names,
                       const handover& seen) {
  auto mine = cs.options.priority;
  if (cs.granted) {
    if (seen.version >= 0 && (!seen.target || *seen.target == 0))
      clear_handover(component, seen); // Done or stale: retried until gone.
    if (cs.stepping_down || (seen.target && *seen.target != 0)
        || !ha::fails_back(fail_back_, component))
      return false;
    // Fail-back counts those that joined since the grant.
    auto best = best_candidate(component, names, false, cs.granted_after);
    if (best && best->second > mine
        && hand_over(component, names, best->first, seen) == zk_rc::ok) {
      cs.stepping_down = true;
      caf::anon_send(cs.events, resign_atom::value, candidate);
    }
    return false;
  }
  if (!seen.target && names.size() > 1) {
    // A free election: the highest priority leads.
    auto best = best_candidate(component, names, true, 0);
    if (best && best->second > mine) {
      auto rc = hand_over(component, names, best->first, seen);
      // Written, or another process wrote one meanwhile: see it next pass.
      // Anything else (no right to write it): the lowest leads as usual.
      if (rc == zk_rc::ok || rc == zk_rc::bad_version
          || rc == zk_rc::node_exists)
        return true;
    }
  }
  cs.granted = true;
  cs.stepping_down = false;
  cs.granted_after = sequence_of(names.back()).value_or(0);
  auto epoch = sequence_of(names.front()).value_or(0) + 1;
  caf::anon_send(cs.events, granted_atom::value, candidate, epoch);
  if (seen.version >= 0)
    clear_handover(component, seen);
  // Once more to watch every join, when it may fail back.
  return ha::fails_back(fail_back_, component);
}

void zk_election::clear_handover(const std::string& component,
                                 const handover& seen) {
  handovers_.erase(component);
  conn_->remove(settings_.handover_path(component), seen.version);
}

int zk_election::hand_over(const std::string& component,
                           const std::vector<std::string>& names,
                           size_t target, const handover& seen) {
  auto rc = write_handover(component, names[target], names.front(),
                           seen.version);
  if (rc != zk_rc::ok)
    logger("zk")->warn("{}: no handover to {}: {}", component, names[target],
                       describe(conn_->error_for(
                         rc, settings_.handover_path(component))));
  return rc;
}

void zk_election::requeue(const std::string& component, uint64_t candidate,
                          candidate_state& cs) {
  auto rc = conn_->remove(cs.node);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    orphans_.push_back(cs.node);
  cs.node.clear();
  create_node(component, candidate, cs);
}

std::optional<zk_election::handover_seen>
zk_election::handover_node(const std::string& component) {
  if (auto found = handovers_.find(component); found != handovers_.end())
    return found->second;
  auto path = settings_.handover_path(component);
  handover_seen seen;
  zk_stat stat;
  std::string data;
  // Both watches fire on change and deletion, `exists`'s on creation too;
  // either clears what is kept here (`on_watch`).
  auto rc = conn_->get(path, data, &stat, true);
  if (rc == zk_rc::no_node)
    rc = conn_->exists(path, &stat, true);
  if (rc == zk_rc::ok) {
    seen.target = decode_handover(data);
    seen.version = stat.version;
  } else if (rc != zk_rc::no_node) {
    return std::nullopt;
  }
  return handovers_.emplace(component, seen).first->second;
}

zk_election::handover
zk_election::locate(const handover_seen& node,
                    const std::vector<std::string>& names) {
  handover result;
  result.version = node.version;
  auto i = node.target ? std::find(names.begin(), names.end(), *node.target)
                       : names.end();
  if (i != names.end()) // Else none, or its pick is gone (left, died).
    result.target = static_cast<size_t>(i - names.begin());
  return result;
}

std::optional<latch_data>
zk_election::latch_of(const std::string& component, const std::string& name) {
  auto& known = latches_[component];
  if (auto i = known.find(name); i != known.end())
    return i->second;
  std::string data;
  if (conn_->get(settings_.latch_path(component) + "/" + name, data)
      != zk_rc::ok)
    return std::nullopt;
  return known.emplace(name, decode_latch(data)).first->second;
}

void zk_election::forget_latches(const std::string& component,
                                 const std::vector<std::string>& names) {
  auto& known = latches_[component];
  for (auto i = known.begin(); i != known.end();)
    if (std::binary_search(names.begin(), names.end(), i->first, by_sequence))
      ++i;
    else
      i = known.erase(i);
}

int zk_election::write_handover(const std::string& component,
                                const std::string& target,
                                const std::string& holder, int version) {
  auto path = settings_.handover_path(component);
  auto rc = conn_->ensure_path(path.substr(0, path.rfind('/')));
  if (rc != zk_rc::ok)
    return rc;
  // Fails unless the node is as last read: a handover written meanwhile by
  // another process is never overwritten.
  auto latch = settings_.latch_path(component) + "/" + holder;
  std::vector<zk_op> ops{{zk_op::check, latch}};
  if (version >= 0)
    ops.push_back({zk_op::set, path, encode_handover(target), version});
  else
    ops.push_back({zk_op::create, path, encode_handover(target)});
  handovers_.erase(component);
  return conn_->multi(ops);
}

std::optional<std::pair<size_t, int32_t>>
zk_election::best_candidate(const std::string& component,
                            const std::vector<std::string>& names, bool all,
                            uint64_t after) {
  auto dir = settings_.latch_path(component) + "/";
  std::optional<std::pair<size_t, int32_t>> best;
  for (size_t i = 0; i < names.size(); ++i) {
    // Our own nodes that a leave could not delete lead nobody.
    if (sequence_of(names[i]).value_or(0) <= after
        || std::count(orphans_.begin(), orphans_.end(), dir + names[i]) > 0)
      continue;
    auto latch = latch_of(component, names[i]);
    if (!latch || (!all && latch->stepped_down))
      continue; // Left meanwhile, or stepped down.
    if (!best || latch->options.priority > best->second)
      best = std::make_pair(i, latch->options.priority);
  }
  return best;
}

caf::error zk_election::transfer_outcome(const std::string& component,
                                         int rc) {
  if (rc == zk_rc::ok)
    return caf::none;
  if (rc == zk_rc::bad_version || rc == zk_rc::node_exists)
    return make_error(errc::already_exists,
                      component + ": another handover started meanwhile");
  if (rc == zk_rc::no_node)
    return make_error(errc::backend_unavailable,
                      component + ": the leader changed meanwhile; ask again");
  return conn_->error_for(rc, settings_.handover_path(component));
}

void zk_election::do_transfer(const std::string& component,
                              const std::string& to, uint64_t request,
                              const election_events_actor& events) {
  auto answer = [&](caf::error err) {
    caf::anon_send(events, transfer_atom::value, request, std::move(err));
  };
  auto dir = settings_.latch_path(component);
  handovers_.erase(component); // Read afresh, before the latch.
  auto node = handover_node(component);
  if (!node)
    return answer(make_error(errc::backend_unavailable,
                             component + ": cannot read "
                               + settings_.handover_path(component)));
  std::vector<std::string> names;
  auto rc = conn_->children(dir, names);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    return answer(conn_->error_for(rc, dir));
  std::sort(names.begin(), names.end(), by_sequence);
  auto seen = locate(*node, names);
  std::optional<size_t> target;
  size_t count = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string data;
    if (conn_->get(dir + "/" + names[i], data) == zk_rc::ok
        && decode_contender(data).address == to && count++ == 0)
      target = i;
  }
  if (!target)
    answer(make_error(errc::not_found,
                      component + ": no contender declared the address " + to));
  else if (count > 1)
    answer(make_error(errc::invalid_argument,
                      component + ": " + std::to_string(count)
                        + " contenders declared the address " + to
                        + "; a transfer needs exactly one"));
  else if (*target == 0)
    answer(make_error(errc::invalid_argument,
                      component + ": " + to + " leads already"));
  else if (seen.target && *seen.target != 0)
    answer(make_error(errc::already_exists,
                      component + ": another handover is under way"));
  else
    answer(transfer_outcome(component, hand_over(component, names, *target,
                                                 seen)));
  evaluate(component); // Our own leader steps down at once.
}

} // namespace ha
