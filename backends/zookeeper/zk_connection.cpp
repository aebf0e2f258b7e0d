#include "caf_ha/backends/zookeeper/zk_connection.hpp"

#include <algorithm>

#include <zookeeper/zookeeper.h>

#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

static_assert(zk_rc::no_node == ZNONODE && zk_rc::no_auth == ZNOAUTH
              && zk_rc::bad_version == ZBADVERSION
              && zk_rc::node_exists == ZNODEEXISTS
              && zk_rc::not_empty == ZNOTEMPTY);

namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

/// The client's own log lines are details; they go to our log at debug.
void forward_client_log(const char* message) {
  logger("zk")->debug("client: {}", message);
}

} // namespace

const char* to_string(zk_state x) {
  switch (x) {
    case zk_state::connected:
      return "connected";
    case zk_state::suspended:
      return "suspended";
    default:
      return "lost";
  }
}

zk_connection::zk_connection(zk_settings settings)
  : settings_(std::move(settings)) {
}

caf::expected<std::unique_ptr<zk_connection>>
zk_connection::open(const zk_settings& settings) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
  std::unique_ptr<zk_connection> result{new zk_connection(settings)};
  auto attempts = 1 + std::max(0, settings.max_retry_attempts);
  for (int i = 0; i < attempts; ++i) {
    if (i > 0)
      std::this_thread::sleep_for(settings.retry_wait);
    if (result->connect_once()) {
      result->state_ = zk_state::connected;
      result->supervisor_ = std::thread{[c = result.get()] { c->supervise(); }};
      return result;
    }
    logger("zk")->warn("no ZooKeeper session with {} within {} ms (attempt "
                       "{} of {})",
                       settings.quorum, settings.connection_timeout.count(), i + 1,
                       attempts);
  }
  return make_error(errc::backend_unavailable,
                    "cannot reach ZooKeeper quorum '" + settings.quorum
                      + "': no session within "
                      + std::to_string(settings.connection_timeout.count())
                      + " ms in " + std::to_string(attempts) + " attempts");
}

zk_connection::~zk_connection() {
  {
    std::lock_guard<std::mutex> guard{events_mtx_};
    stopping_ = true;
  }
  events_cv_.notify_all();
  if (supervisor_.joinable())
    supervisor_.join();
  std::unique_lock<std::shared_mutex> guard{handle_mtx_};
  current_ = nullptr;
  if (zh_)
    zookeeper_close(zh_);
}

void zk_connection::on_event(zhandle_t* zh, int type, int state,
                             const char* path, void* context) {
  auto self = static_cast<zk_connection*>(context);
  if (type != ZOO_SESSION_EVENT) {
    if (path && zh == self->current_.load())
      self->notify_watch(path);
    return;
  }
  {
    std::lock_guard<std::mutex> guard{self->events_mtx_};
    self->events_.push_back(event{zh, state});
  }
  self->events_cv_.notify_all();
}

bool zk_connection::connect_once() {
  {
    std::unique_lock<std::shared_mutex> guard{handle_mtx_};
    current_ = nullptr;
    if (zh_)
      zookeeper_close(zh_);
    zh_ = zookeeper_init2(settings_.quorum.c_str(), &zk_connection::on_event,
                          static_cast<int>(settings_.session_timeout.count()),
                          nullptr, this, 0, forward_client_log);
    current_ = zh_;
    // The client sends the credentials first thing on every (re)connect of
    // this handle; a new handle needs them again.
    if (zh_ && !settings_.auth.empty())
      zoo_add_auth(zh_, "digest", settings_.auth.data(),
                   static_cast<int>(settings_.auth.size()),
                   &zk_connection::on_auth, this);
  }
  if (!zh_)
    return false;
  auto deadline = clock_type::now() + settings_.connection_timeout;
  // Nothing may be created before the credentials count: a creator-only
  // node made without them would be rejected.
  return await_event(ZOO_CONNECTED_STATE, deadline)
         && (settings_.auth.empty() || await_event(auth_added, deadline));
}

void zk_connection::on_auth(int rc, const void* context) {
  auto self = static_cast<zk_connection*>(const_cast<void*>(context));
  {
    std::lock_guard<std::mutex> guard{self->events_mtx_};
    self->events_.push_back(
      event{self->current_.load(), rc == ZOK ? auth_added : auth_refused});
  }
  self->events_cv_.notify_all();
}

bool zk_connection::await_event(int state,
                                clock_type::time_point deadline) {
  std::unique_lock<std::mutex> guard{events_mtx_};
  while (!stopping_) {
    auto wanted = [this, state](const event& x) {
      return x.handle == current_
             && (x.state == state || x.state == auth_refused);
    };
    auto i = std::find_if(events_.begin(), events_.end(), wanted);
    if (i != events_.end()) {
      auto refused = i->state == auth_refused;
      events_.erase(events_.begin(), i + 1);
      if (refused)
        logger("zk")->error("ZooKeeper {} refused the digest credentials",
                            settings_.quorum);
      return !refused;
    }
    if (events_cv_.wait_until(guard, deadline) == std::cv_status::timeout)
      return false;
  }
  return false;
}

void zk_connection::set_state(zk_state next) {
  if (state_ == next)
    return;
  state_ = next;
  auto level = next == zk_state::connected ? spdlog::level::info
                                           : spdlog::level::warn;
  logger("zk")->log(level, "connection to {} {}", settings_.quorum,
                    to_string(next));
  std::lock_guard<std::mutex> guard{listeners_mtx_};
  for (auto& x : listeners_)
    if (x.on_state)
      x.on_state(next);
}

void zk_connection::notify_watch(const std::string& path) {
  std::lock_guard<std::mutex> guard{listeners_mtx_};
  for (auto& x : listeners_)
    if (x.on_watch)
      x.on_watch(path);
}

uint64_t zk_connection::add_listener(state_listener on_state,
                                     watch_listener on_watch) {
  std::lock_guard<std::mutex> guard{listeners_mtx_};
  listeners_.push_back({++next_listener_, std::move(on_state),
                        std::move(on_watch)});
  return next_listener_;
}

void zk_connection::remove_listener(uint64_t id) {
  // Listeners run under this lock: taking it waits for a running one.
  std::lock_guard<std::mutex> guard{listeners_mtx_};
  listeners_.erase(std::remove_if(listeners_.begin(), listeners_.end(),
                                  [id](auto& x) { return x.id == id; }),
                   listeners_.end());
}

int64_t zk_connection::session_id() {
  return session_credentials().first;
}

std::pair<int64_t, std::string> zk_connection::session_credentials() {
  std::shared_lock<std::shared_mutex> guard{handle_mtx_};
  auto id = zh_ ? zoo_client_id(zh_) : nullptr;
  if (!id)
    return {0, {}};
  return {id->client_id, std::string(id->passwd, sizeof(id->passwd))};
}

void zk_connection::supervise() {
  std::unique_lock<std::mutex> guard{events_mtx_};
  while (!stopping_) {
    if (events_.empty()) {
      // A session that stays disconnected past its timeout has expired on
      // the servers, even if no server could tell us so.
      if (state_ == zk_state::suspended) {
        if (events_cv_.wait_for(guard, settings_.session_timeout,
                                [this] { return stopping_ || !events_.empty(); }))
          continue;
        guard.unlock();
        handle_event(ZOO_EXPIRED_SESSION_STATE);
        guard.lock();
        continue;
      }
      events_cv_.wait(guard);
      continue;
    }
    auto next = events_.front();
    events_.pop_front();
    if (next.handle != current_)
      continue;
    guard.unlock();
    handle_event(next.state);
    guard.lock();
  }
}

void zk_connection::handle_event(int state) {
  if (state == ZOO_CONNECTED_STATE) {
    set_state(zk_state::connected);
  } else if (state == ZOO_CONNECTING_STATE) {
    if (state_ == zk_state::connected)
      set_state(zk_state::suspended);
  } else if (state == ZOO_EXPIRED_SESSION_STATE
             || state == ZOO_AUTH_FAILED_STATE) {
    set_state(zk_state::lost);
    reconnect();
  }
}

void zk_connection::reconnect() {
  for (int attempt = 0;; ++attempt) {
    if (connect_once()) {
      set_state(zk_state::connected);
      return;
    }
    auto wait = settings_.retry_wait * (int64_t{1} << std::min(attempt, 6));
    std::unique_lock<std::mutex> guard{events_mtx_};
    if (events_cv_.wait_for(guard, wait, [this] { return stopping_; }))
      return;
  }
}

caf::error zk_connection::error_for(int rc, const std::string& what) const {
  // The fix is in this client's configuration: its credentials.
  if (rc == zk_rc::no_auth)
    return make_error(errc::permission_denied,
                      "ZooKeeper " + settings_.quorum + ": " + what
                        + ": permission denied (the node's ACL admits other "
                          "credentials; see "
                          "high-availability.zookeeper.client.auth)");
  return make_error(errc::backend_unavailable,
                    "ZooKeeper " + settings_.quorum + ": " + what + ": "
                      + zerror(rc));
}

} // namespace ha
