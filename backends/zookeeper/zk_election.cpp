#include "caf_ha/backends/zookeeper/zk_election.hpp"

#include <algorithm>
#include <cstdio>

#include <caf/send.hpp>

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// Passes of `evaluate` before giving up until the next event: each pass
/// that must repeat saw a node vanish, which cannot go on for long.
constexpr int max_passes = 16;

std::string base_name(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

} // namespace

zk_election::zk_election(std::shared_ptr<zk_connection> conn)
  : conn_(std::move(conn)),
    settings_(conn_->settings()),
    instance_(random_origin()) {
}

std::shared_ptr<zk_election>
zk_election::make(std::shared_ptr<zk_connection> conn) {
  std::shared_ptr<zk_election> result{new zk_election(std::move(conn))};
  auto self = result.get();
  result->listener_ = result->conn_->add_listener(
    [self](zk_state state) {
      self->worker_.post([self, state] { self->on_state(state); });
    },
    [self](const std::string& path) {
      self->worker_.post([self, path] { self->on_watch(path); });
    });
  return result;
}

zk_election::~zk_election() {
  conn_->remove_listener(listener_);
  worker_.post([this] {
    auto remaining = components_;
    for (auto& [component, st] : remaining)
      for (auto& entry : st)
        do_leave(component, entry.first);
  });
  worker_.stop();
}

void zk_election::join(const std::string& component, uint64_t candidate,
                       const contender_options& options,
                       election_events_actor events) {
  worker_.post([this, component, candidate, options, events] {
    do_join(component, candidate, options, events);
  });
}

void zk_election::participants(const std::string& component,
                               uint64_t request,
                               election_events_actor events) {
  worker_.post([this, component, request, events] {
    do_participants(component, request, events);
  });
}

void zk_election::transfer(const std::string& component, const std::string& to,
                           uint64_t request, election_events_actor events) {
  worker_.post([this, component, to, request, events] {
    do_transfer(component, to, request, events);
  });
}

void zk_election::requeue(const std::string& component,
                          uint64_t old_candidate, uint64_t candidate,
                          const contender_options& options,
                          election_events_actor events) {
  worker_.post([this, component, old_candidate, candidate, options, events] {
    do_leave(component, old_candidate);
    do_join(component, candidate, options, events, true);
  });
}

void zk_election::fail_back(std::vector<std::string> components) {
  worker_.post([this, components] { fail_back_ = components; });
}

void zk_election::leave(const std::string& component, uint64_t candidate) {
  worker_.post([this, component, candidate] { do_leave(component, candidate); });
}

void zk_election::publish(const std::string& component, uint64_t candidate,
                          const leader_info& info) {
  worker_.post([this, component, candidate, info] {
    do_publish(component, candidate, info);
  });
}

std::string zk_election::token_of(uint64_t candidate,
                                  const candidate_state& cs) const {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%016llx-%llu-%llu-latch-",
                static_cast<unsigned long long>(instance_),
                static_cast<unsigned long long>(candidate),
                static_cast<unsigned long long>(cs.generation));
  return buf;
}

void zk_election::do_join(const std::string& component, uint64_t candidate,
                          contender_options options,
                          election_events_actor events, bool stepped_down) {
  auto& cs = components_[component][candidate];
  cs.events = std::move(events);
  cs.options = std::move(options);
  cs.stepped_down = stepped_down;
  create_node(component, candidate, cs);
  evaluate(component);
}

void zk_election::create_node(const std::string& component,
                              uint64_t candidate, candidate_state& cs) {
  auto dir = settings_.latch_path(component);
  ++cs.generation;
  auto rc = conn_->ensure_path(dir);
  if (rc == zk_rc::ok)
    rc = conn_->create(dir + "/" + token_of(candidate, cs),
                       encode_contender(cs.options, cs.stepped_down), true,
                       true, &cs.node);
  if (rc == zk_rc::ok)
    return;
  if (rc == zk_rc::no_auth) {
    // Waiting cannot help: the elector must hear it, not only the log.
    caf::anon_send(cs.events, driver_error_atom::value,
                   conn_->error_for(rc, dir));
    return;
  }
  // A lost reply may still have created the node: `evaluate` finds it by
  // its name once connected.
  logger("zk")->warn("{}: no latch node yet: {}", component,
                     describe(conn_->error_for(rc, dir)));
}

void zk_election::do_leave(const std::string& component, uint64_t candidate) {
  auto i = components_.find(component);
  if (i == components_.end() || i->second.count(candidate) == 0)
    return;
  auto cs = std::move(i->second[candidate]);
  i->second.erase(candidate);
  if (cs.node.empty())
    return;
  if (cs.granted) {
    // The published leader goes with the latch node, in one transaction:
    // listeners see "no leader" before the next grant, and the successor's
    // watch fires after one write, not two. Fails, changing nothing, if the
    // node is gone already or nothing was published yet.
    std::vector<zk_op> ops{{zk_op::remove, settings_.leader_path(component)},
                           {zk_op::remove, cs.node}};
    if (conn_->multi(ops) == zk_rc::ok)
      return;
  }
  auto rc = conn_->remove(cs.node);
  if (rc != zk_rc::ok && rc != zk_rc::no_node)
    orphans_.push_back(cs.node);
}

void zk_election::do_publish(const std::string& component, uint64_t candidate,
                             const leader_info& info) {
  auto i = components_.find(component);
  if (i == components_.end())
    return;
  auto j = i->second.find(candidate);
  if (j == i->second.end() || !j->second.granted || j->second.node.empty()) {
    logger("zk")->info("{}: dropped publication of a candidate without grant",
                       component);
    return;
  }
  auto data = encode_leader_info(info);
  auto rc = write_leader_node(component, j->second.node, data);
  if (rc == zk_rc::ok) {
    j->second.published = std::move(data);
    heal(component); // Sets the watch; repairs a change in between.
    return;
  }
  logger("zk")->warn("{}: leader information not published (epoch {}): {}",
                     component, info.epoch,
                     describe(conn_->error_for(
                       rc, settings_.leader_path(component))));
  if (rc == zk_rc::no_node)
    evaluate(component);
}

int zk_election::write_leader_node(const std::string& component,
                                   const std::string& latch,
                                   const std::string& data) {
  auto path = settings_.leader_path(component);
  auto rc = conn_->ensure_path(path.substr(0, path.rfind('/')));
  if (rc != zk_rc::ok)
    return rc;
  std::vector<zk_op> ops{{zk_op::check, latch},
                         {zk_op::create, path, data, -1, true}};
  rc = conn_->multi(ops);
  if (rc != zk_rc::node_exists)
    return rc;
  // Another session's node (an earlier leader's not yet expired, or a
  // stranger's) would vanish with its owner: replace it by ours.
  ops.insert(ops.begin() + 1, zk_op{zk_op::remove, path});
  return conn_->multi(ops);
}

zk_election::candidate_state*
zk_election::publisher_of(const std::string& component) {
  auto i = components_.find(component);
  if (i == components_.end())
    return nullptr;
  for (auto& entry : i->second) {
    auto& cs = entry.second;
    if (cs.granted && !cs.node.empty() && !cs.published.empty())
      return &cs;
  }
  return nullptr;
}

void zk_election::heal(const std::string& component) {
  auto path = settings_.leader_path(component);
  // Bounded: each further pass saw another client change the node again.
  for (int pass = 0; pass < max_passes; ++pass) {
    auto cs = publisher_of(component);
    if (!cs)
      return;
    std::string data;
    zk_stat stat;
    auto rc = conn_->get(path, data, &stat, true);
    if (rc == zk_rc::ok && data == cs->published
        && stat.ephemeral_owner == conn_->session_id())
      return; // Intact, and watched.
    if (rc != zk_rc::ok && rc != zk_rc::no_node)
      return; // Checked again once reconnected.
    logger("zk")->warn("{}: another client {} the leader information; "
                       "writing it back",
                       component, rc == zk_rc::no_node ? "deleted" : "changed");
    rc = write_leader_node(component, cs->node, cs->published);
    if (rc == zk_rc::no_node)
      evaluate(component); // The grant may have ended: revokes if so.
    else if (rc != zk_rc::ok && rc != zk_rc::node_exists)
      return;
  }
}

void zk_election::evaluate(const std::string& component) {
  auto i = components_.find(component);
  if (i == components_.end())
    return;
  for (int pass = 0; pass < max_passes; ++pass)
    if (!evaluate_once(component, i->second))
      return;
}

bool zk_election::evaluate_once(const std::string& component,
                                component_state& st) {
  auto dir = settings_.latch_path(component);
  // The leader watches every join when it may fail back.
  bool watch = ha::fails_back(fail_back_, component)
               && std::any_of(st.begin(), st.end(),
                              [](auto& x) { return x.second.granted; });
  // The handover node before the latch: a pick it names was made before
  // it, so missing from the listing means gone.
  auto node = handover_node(component);
  std::vector<std::string> names;
  if (!node || conn_->children(dir, names, watch) != zk_rc::ok)
    return false; // Evaluated again once connected.
  std::sort(names.begin(), names.end(), by_sequence);
  auto seen = locate(*node, names);
  forget_latches(component, names);
  bool again = false;
  for (auto& [id, cs] : st) {
    if (cs.node.empty()) {
      auto token = token_of(id, cs);
      auto mine = std::find_if(names.begin(), names.end(), [&](auto& name) {
        return name.compare(0, token.size(), token) == 0;
      });
      auto adopt = mine == names.end() ? adoption::none
                                        : adoptable(dir + "/" + *mine);
      if (adopt == adoption::unknown)
        return false; // Evaluated again once connected.
      if (adopt == adoption::ours) {
        cs.node = dir + "/" + *mine;
      } else {
        create_node(component, id, cs);
        again = again || !cs.node.empty();
        continue;
      }
    }
    auto pos = std::find(names.begin(), names.end(), base_name(cs.node));
    auto index = static_cast<size_t>(pos - names.begin());
    if (pos == names.end()) {
      // Someone deleted our node: queue again with a new one.
      revoke(id, cs);
      cs.node.clear();
      again = true;
    } else if (seen.target && index < *seen.target) {
      again = stand_aside(component, id, cs) || again;
    } else if (index == 0) {
      again = lead(component, id, cs, names, seen) || again;
    } else {
      revoke(id, cs);
      if (conn_->exists(dir + "/" + *(pos - 1), nullptr, true)
          == zk_rc::no_node)
        again = true;
      // While it waits, not when it is its turn: a free election then
      // reads no latch node.
      best_candidate(component, names, true, 0);
    }
  }
  return again;
}

participant zk_election::latch_participant(const std::string& component,
                                           const std::string& name,
                                           bool lowest,
                                           const std::string& data,
                                           const zk_stat& stat) {
  auto declared = decode_contender(data);
  participant x{declared.address, "candidate", 0, stat.mtime_ms,
                declared.priority};
  if (!lowest)
    return x;
  // The lowest node leads; confirmed once it published with its epoch.
  x.epoch = sequence_of(name).value_or(0) + 1;
  std::string published;
  auto rc = conn_->get(settings_.leader_path(component), published);
  auto info = rc == zk_rc::ok ? decode_leader_info(published) : std::nullopt;
  x.state = info && info->epoch == x.epoch ? "leader" : "granted";
  return x;
}

void zk_election::do_participants(const std::string& component,
                                  uint64_t request,
                                  const election_events_actor& events) {
  auto dir = settings_.latch_path(component);
  std::vector<std::string> names;
  auto rc = conn_->children(dir, names);
  if (rc != zk_rc::ok && rc != zk_rc::no_node) {
    caf::anon_send(events, participants_atom::value, request,
                   conn_->error_for(rc, dir));
    return;
  }
  std::sort(names.begin(), names.end(), by_sequence);
  static const component_state none;
  auto found = components_.find(component);
  auto& own = found == components_.end() ? none : found->second;
  std::vector<participant> list;
  std::vector<uint64_t> candidates;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string data;
    zk_stat stat;
    auto path = dir + "/" + names[i];
    rc = conn_->get(path, data, &stat);
    if (rc == zk_rc::no_node)
      continue; // Left meanwhile.
    if (rc != zk_rc::ok) {
      caf::anon_send(events, participants_atom::value, request,
                     conn_->error_for(rc, path));
      return;
    }
    list.push_back(
      latch_participant(component, names[i], list.empty(), data, stat));
    auto mine = std::find_if(own.begin(), own.end(), [&](auto& entry) {
      return entry.second.node == path;
    });
    candidates.push_back(mine == own.end() ? 0 : mine->first);
  }
  caf::anon_send(events, participants_atom::value, request, std::move(list),
                 std::move(candidates));
}

zk_election::adoption zk_election::adoptable(const std::string& node) {
  zk_stat stat;
  auto rc = conn_->exists(node, &stat);
  if (rc == zk_rc::no_node)
    return adoption::none;
  if (rc != zk_rc::ok)
    return adoption::unknown;
  if (stat.ephemeral_owner == conn_->session_id())
    return adoption::ours;
  // A node of an earlier session of ours, which the server keeps until that
  // session expires: leading from it would end unnoticed when it goes.
  conn_->remove(node);
  return adoption::none;
}

void zk_election::revoke(uint64_t candidate, candidate_state& cs) {
  cs.published.clear();
  cs.stepping_down = false;
  if (!cs.granted)
    return;
  cs.granted = false;
  caf::anon_send(cs.events, revoked_atom::value, candidate);
}

void zk_election::on_state(zk_state state) {
  // Watches may be gone with the connection: read the handover nodes anew.
  handovers_.clear();
  if (state == zk_state::suspended) {
    if (!settings_.revoke_on_suspend)
      return;
    for (auto& [component, st] : components_)
      for (auto& [id, cs] : st)
        if (cs.granted) {
          revoke(id, cs);
          cs.rejoin = true;
        }
    return;
  }
  if (state == zk_state::lost) {
    auto err = make_error(errc::backend_unavailable,
                          "ZooKeeper session with " + settings_.quorum
                            + " lost; rejoining the election");
    for (auto& [component, st] : components_) {
      if (!st.empty())
        caf::anon_send(st.begin()->second.events, driver_error_atom::value,
                       err);
      for (auto& [id, cs] : st) {
        cs.granted = false;
        cs.stepping_down = false;
        cs.node.clear();
        cs.published.clear();
      }
    }
    orphans_.clear();
    return;
  }
  for (auto& node : orphans_)
    conn_->remove(node);
  orphans_.clear();
  for (auto& [component, st] : components_) {
    for (auto& [id, cs] : st) {
      if (cs.rejoin && !cs.node.empty())
        conn_->remove(cs.node);
      if (cs.rejoin)
        cs.node.clear();
      cs.rejoin = false;
    }
    evaluate(component);
    heal(component);
  }
}

void zk_election::on_watch(const std::string& path) {
  if (auto leader = settings_.component_of_leader_path(path); !leader.empty())
    return heal(leader);
  auto component = settings_.component_of_latch_path(path);
  if (component.empty()) {
    component = settings_.component_of_handover_path(path);
    handovers_.erase(component);
  }
  if (!component.empty())
    evaluate(component);
}

} // namespace ha
