#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "caf_ha/backends/zookeeper/zk_settings.hpp"

// The C client's handle; its header stays in the .cpp files of this
// directory, which are the only ones compiled with THREADED.
typedef struct _zhandle zhandle_t;

namespace ha {

/// How the connection to the quorum stands. `suspended`: disconnected, but
/// the session (and its ephemeral nodes) may still be alive. `lost`: the
/// session expired; a new one is being established.
enum class zk_state { connected, suspended, lost };

const char* to_string(zk_state x);

/// Return codes of the C client that callers tell apart.
namespace zk_rc {
constexpr int ok = 0;
constexpr int no_node = -101;
constexpr int no_auth = -102;
constexpr int bad_version = -103;
constexpr int node_exists = -110;
constexpr int not_empty = -111;
} // namespace zk_rc

/// The parts of a node's `Stat` the backend uses.
struct zk_stat {
  int32_t version = 0;
  int64_t ephemeral_owner = 0;
  int32_t data_length = 0;
  int32_t num_children = 0;
  /// Counts changes of the children; a sequential child gets the value it
  /// had before its creation as its sequence number.
  int32_t cversion = 0;
  /// When the node was last written, milliseconds since the Unix epoch.
  int64_t mtime_ms = 0;
};

/// One operation of a `multi`.
struct zk_op {
  enum kind_t { create, remove, set, check };
  kind_t kind;
  std::string path;
  std::string data = {};
  int version = -1;
  bool ephemeral = false;
  bool sequential = false;
};

/// One session with a ZooKeeper quorum through the multi-threaded C client,
/// shared by everything of a process in ZooKeeper mode (election, retrieval,
/// stores, admin): one connection, one event thread, and one session whose
/// loss ends leadership and store writes together. Calls block (never call
/// them from a watch or state callback, which run on the client's threads)
/// and return the client's return code. Thread-safe.
///
/// A supervisor thread follows the session: when it expires, or stays
/// disconnected for longer than the session timeout, the connection reports
/// `lost` and opens a new session, waiting `retry-wait` doubled per failed
/// attempt (at most 64 times) between attempts, until it succeeds or the
/// connection is destroyed.
class zk_connection {
public:
  using state_listener = std::function<void(zk_state)>;
  /// Called on the client's thread with the path of a fired watch.
  using watch_listener = std::function<void(const std::string& path)>;

  /// Connects within `connection-timeout`, trying `max-retry-attempts` more
  /// times `retry-wait` apart; backend_unavailable naming the quorum if no
  /// attempt succeeds.
  static caf::expected<std::unique_ptr<zk_connection>>
  open(const zk_settings& settings);

  ~zk_connection();

  zk_connection(const zk_connection&) = delete;
  zk_connection& operator=(const zk_connection&) = delete;

  const zk_settings& settings() const {
    return settings_;
  }

  /// Every listener hears every state change and every fired watch (each
  /// filters the paths it cares about). Returns the id for
  /// `remove_listener`.
  uint64_t add_listener(state_listener on_state, watch_listener on_watch);

  /// Once it returns, the listeners are not called any more.
  void remove_listener(uint64_t id);

  /// The current session's id, 0 while there is none.
  int64_t session_id();

  /// The current session's id and password. Another client that attaches
  /// to the session with them and closes it expires it: how tests make a
  /// session expire. Never logged.
  std::pair<int64_t, std::string> session_credentials();

  int get(const std::string& path, std::string& data, zk_stat* stat = nullptr,
          bool watch = false);

  int exists(const std::string& path, zk_stat* stat = nullptr,
             bool watch = false);

  int children(const std::string& path, std::vector<std::string>& names,
               bool watch = false);

  int create(const std::string& path, const std::string& data,
             bool ephemeral = false, bool sequential = false,
             std::string* created = nullptr);

  int set(const std::string& path, const std::string& data, int version = -1);

  int remove(const std::string& path, int version = -1);

  /// All or nothing. `created` receives the paths the create ops made;
  /// when it fails, `failed_op` the index of the op that failed.
  int multi(const std::vector<zk_op>& ops,
            std::vector<std::string>* created = nullptr,
            size_t* failed_op = nullptr);

  /// Creates `path` and its missing parents as persistent, empty nodes.
  int ensure_path(const std::string& path);

  /// Deletes `path` and everything below it; absent is fine.
  int remove_recursive(const std::string& path);

  /// backend_unavailable naming the quorum, `what` and the client's reason.
  caf::error error_for(int rc, const std::string& what) const;

private:
  struct event {
    zhandle_t* handle;
    /// A session state of the client, or one of the two below.
    int state;
  };

  /// Outcomes of adding the credentials, queued like session events.
  static constexpr int auth_added = -1000;
  static constexpr int auth_refused = -1001;

  explicit zk_connection(zk_settings settings);

  static void on_event(zhandle_t* zh, int type, int state, const char* path,
                       void* context);

  static void on_auth(int rc, const void* context);

  /// Replaces the handle by a new session's; true once it is connected
  /// (and authenticated, with credentials).
  bool connect_once();

  /// Waits for `state` of the current handle, dropping the events before
  /// it; false at `deadline`, when stopping or when the credentials were
  /// refused.
  bool await_event(int state,
                   std::chrono::steady_clock::time_point deadline);

  void supervise();

  void handle_event(int state);

  void reconnect();

  void set_state(zk_state next);

  void notify_watch(const std::string& path);

  struct listener {
    uint64_t id;
    state_listener on_state;
    watch_listener on_watch;
  };

  zk_settings settings_;
  std::mutex listeners_mtx_;
  std::vector<listener> listeners_;
  uint64_t next_listener_ = 0;
  std::shared_mutex handle_mtx_;
  zhandle_t* zh_ = nullptr;
  std::atomic<zhandle_t*> current_{nullptr};
  std::mutex events_mtx_;
  std::condition_variable events_cv_;
  std::deque<event> events_;
  bool stopping_ = false;
  zk_state state_ = zk_state::lost;
  std::thread supervisor_;
};

} // namespace ha
