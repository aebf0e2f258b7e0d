#include "caf_ha/backends/zookeeper/zk_retrieval.hpp"

#include <algorithm>

#include <caf/send.hpp>

#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

bool same(const leader_info& x, const leader_info& y) {
  return x.same_leader(y) && x.epoch == y.epoch;
}

} // namespace

zk_retrieval::zk_retrieval(std::shared_ptr<zk_connection> conn)
  : conn_(std::move(conn)), settings_(conn_->settings()) {
}

std::shared_ptr<zk_retrieval>
zk_retrieval::make(std::shared_ptr<zk_connection> conn) {
  std::shared_ptr<zk_retrieval> result{new zk_retrieval(std::move(conn))};
  auto self = result.get();
  result->listener_ = result->conn_->add_listener(
    [self](zk_state state) {
      self->worker_.post([self, state] { self->on_state(state); });
    },
    [self](const std::string& path) {
      auto component = self->settings_.component_of_leader_path(path);
      if (!component.empty())
        self->worker_.post([self, component] { self->refresh(component); });
    });
  return result;
}

zk_retrieval::~zk_retrieval() {
  conn_->remove_listener(listener_);
  worker_.stop();
}

void zk_retrieval::subscribe(const std::string& component,
                             listener_actor sink) {
  worker_.post([this, component, sink] { do_subscribe(component, sink); });
}

void zk_retrieval::unsubscribe(const std::string& component,
                               const listener_actor& sink) {
  worker_.post([this, component, sink] {
    auto& sinks = components_[component].sinks;
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  });
}

caf::expected<leader_info> zk_retrieval::read(const std::string& component) {
  auto path = settings_.leader_path(component);
  // Bounded: each round saw the node appear or vanish in between.
  for (int round = 0; round < 8; ++round) {
    std::string data;
    auto rc = conn_->get(path, data, nullptr, true);
    if (rc == zk_rc::ok) {
      if (auto info = decode_leader_info(data))
        return *info;
      // Not written by a leader: whoever leads writes it back (which fires
      // the watch just set); until then there is no leader to report.
      logger("zk")->warn("malformed leader information in {}", path);
      return leader_info{};
    }
    if (rc != zk_rc::no_node)
      return conn_->error_for(rc, "reading " + path);
    rc = conn_->exists(path, nullptr, true);
    if (rc == zk_rc::no_node)
      return leader_info{};
    if (rc != zk_rc::ok)
      return conn_->error_for(rc, "watching " + path);
  }
  return make_error(errc::backend_unavailable,
                    path + " keeps changing; reading it again later");
}

void zk_retrieval::do_subscribe(const std::string& component,
                                listener_actor sink) {
  auto& st = components_[component];
  st.sinks.push_back(sink);
  auto info = read(component);
  if (!info) {
    caf::anon_send(sink, retrieval_error_atom::value, component, info.error());
    return;
  }
  if (!st.last || !same(*st.last, *info)) {
    st.last = *info;
    for (auto& x : st.sinks)
      caf::anon_send(x, leader_atom::value, component, *info);
    return;
  }
  caf::anon_send(sink, leader_atom::value, component, *info);
}

void zk_retrieval::refresh(const std::string& component) {
  auto i = components_.find(component);
  if (i == components_.end() || i->second.sinks.empty())
    return;
  auto& st = i->second;
  auto info = read(component);
  if (!info) {
    logger("zk")->warn("{}: {}", component, describe(info.error()));
    return; // Read again after reconnecting.
  }
  if (st.last && same(*st.last, *info))
    return;
  st.last = *info;
  for (auto& sink : st.sinks)
    caf::anon_send(sink, leader_atom::value, component, *info);
}

void zk_retrieval::on_state(zk_state state) {
  if (state == zk_state::suspended)
    return; // Watches survive a reconnect within the session.
  if (state == zk_state::lost) {
    auto err = make_error(errc::backend_unavailable,
                          "ZooKeeper session with " + settings_.quorum
                            + " lost; leader information may be stale");
    for (auto& [component, st] : components_) {
      st.last.reset();
      for (auto& sink : st.sinks)
        caf::anon_send(sink, retrieval_error_atom::value, component, err);
    }
    return;
  }
  for (auto& entry : components_)
    refresh(entry.first);
}

} // namespace ha
