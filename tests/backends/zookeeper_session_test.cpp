// ZooKeeper mode, one session per process (issue 17): the election, the
// retrieval and every store of a backend share one session; when it expires
// leadership and store writes end together and all come back on the new
// one. The confirmed leader keeps its published information intact against
// other clients; listeners never report what they cannot decode.

#define THREADED // the C client's synchronous calls, to expire a session
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/backends/factory.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_election.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ids.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/backends/zookeeper_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zookeeper_server.hpp"

using namespace ha;
using namespace ha::test;
using namespace std::chrono_literals;

namespace {

const std::string test_component = "dispatcher";

/// The reports already delivered to `self`, without waiting.
std::vector<std::string> delivered(caf::scoped_actor& self) {
  std::vector<std::string> result;
  // Bounded: a mailbox holds a handful of reports here.
  for (int i = 0; i < 64; ++i) {
    bool got = false;
    self->receive(
      [&](leader_atom, const std::string&, const leader_info& info) {
        got = true;
        result.push_back("leader " + info.address);
      },
      [&](retrieval_error_atom, const std::string&, const caf::error&) {
        got = true;
        result.push_back("retrieval_error");
      },
      caf::after(0s) >> [] {});
    if (!got)
      break;
  }
  return result;
}

leader_info info_of(const std::string& address, epoch_t epoch) {
  static const auto session = parse_session_id(
    "6f0b4b5e-1d2c-4a3b-9c8d-7e6f5a4b3c2d");
  return {address, *session, epoch};
}

caf::error write_result(metadata_store& store, uint8_t job, epoch_t epoch) {
  return write_fenced_result(store, {test_component, epoch}, job);
}

/// What a client attached to another's session heard first: connected,
/// expired, or 0 (nothing within 10 s).
int attach_and_close(const std::string& quorum, const clientid_t& client) {
  struct first_state {
    std::mutex mtx;
    std::condition_variable cv;
    int state = 0;
  } heard;
  auto watcher = [](zhandle_t*, int type, int state, const char*, void* ctx) {
    if (type != ZOO_SESSION_EVENT
        || (state != ZOO_CONNECTED_STATE && state != ZOO_EXPIRED_SESSION_STATE))
      return;
    auto f = static_cast<first_state*>(ctx);
    std::lock_guard<std::mutex> guard{f->mtx};
    if (f->state == 0)
      f->state = state;
    f->cv.notify_all();
  };
  auto zh = zookeeper_init(quorum.c_str(), watcher, 2000, &client, &heard, 0);
  REQUIRE(zh);
  int result = 0;
  {
    std::unique_lock<std::mutex> guard{heard.mtx};
    heard.cv.wait_for(guard, 10s, [&] { return heard.state != 0; });
    result = heard.state;
  }
  // Closes the session if this client still holds it.
  zookeeper_close(zh);
  return result;
}

/// Ends the session of `conn` on the server: another client attaches to it
/// with its id and password and closes it, and the owner hears "expired".
/// The server moves the session to the attaching client, and the owner's
/// client reconnects at once and may move it back before the close (more
/// likely on a loaded machine): the close is then no close of the session.
/// So attach and close again until an attach hears "expired".
void expire_session(const std::string& quorum, zk_connection& conn) {
  auto [id, password] = conn.session_credentials();
  REQUIRE(id != 0);
  clientid_t client{id, {}};
  std::memcpy(client.passwd, password.data(), sizeof(client.passwd));
  int heard = 0;
  for (int round = 0; round < 10 && heard != ZOO_EXPIRED_SESSION_STATE;
       ++round)
    heard = attach_and_close(quorum, client);
  REQUIRE(heard == ZOO_EXPIRED_SESSION_STATE);
}

/// Another client's view of one node, woken by its watches.
class node_observer {
public:
  node_observer(zk_connection& conn, std::string path)
    : conn_(conn), path_(std::move(path)) {
    listener_ = conn_.add_listener({}, [this](const std::string& fired) {
      if (fired != path_)
        return;
      std::lock_guard<std::mutex> guard{mtx_};
      ++fired_;
      cv_.notify_all();
    });
  }

  ~node_observer() {
    conn_.remove_listener(listener_);
  }

  using predicate = std::function<bool(int rc, const std::string& data,
                                       const zk_stat& stat)>;

  /// Reads the node (and watches it) until `holds`; false after `timeout`.
  bool await(const predicate& holds, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // Bounded: one read per change of the node, and by the deadline.
    for (int round = 0; round < 100; ++round) {
      auto seen = fired();
      std::string data;
      zk_stat stat;
      auto rc = read(data, stat);
      if (holds(rc, data, stat))
        return true;
      if (!wait_past(seen, deadline))
        return false;
    }
    return false;
  }

  /// True if the node changes within `window` after being read now.
  bool changes_within(std::chrono::milliseconds window) {
    auto seen = fired();
    std::string data;
    zk_stat stat;
    read(data, stat);
    return wait_past(seen, std::chrono::steady_clock::now() + window);
  }

private:
  int read(std::string& data, zk_stat& stat) {
    auto rc = conn_.get(path_, data, &stat, true);
    // A missing node takes its watch through `exists`.
    if (rc == zk_rc::no_node && conn_.exists(path_, nullptr, true) == zk_rc::ok)
      rc = conn_.get(path_, data, &stat, true);
    return rc;
  }

  uint64_t fired() {
    std::lock_guard<std::mutex> guard{mtx_};
    return fired_;
  }

  bool wait_past(uint64_t seen, std::chrono::steady_clock::time_point until) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_until(guard, until, [&] { return fired_ != seen; });
  }

  zk_connection& conn_;
  std::string path_;
  uint64_t listener_ = 0;
  std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t fired_ = 0;
};

/// The node holds `info`, in a node of `owner`'s session.
node_observer::predicate holds(const leader_info& info, int64_t owner) {
  return [data = encode_leader_info(info), owner](int rc, const std::string& x,
                                                  const zk_stat& stat) {
    return rc == zk_rc::ok && x == data && stat.ephemeral_owner == owner;
  };
}

/// Everything a test of the leader node needs: its own root on the shared
/// server, and a raw client (another process's session).
struct leader_node_fixture {
  std::string quorum = zookeeper_quorum();
  std::string root = unique_zookeeper_root();
  temp_dir storage;
  zk_test_config cfg;
  caf::actor_system sys{cfg};
  std::unique_ptr<zk_connection> raw;
  std::string path;

  leader_node_fixture() {
    zk_settings settings;
    settings.quorum = quorum;
    settings.root = root;
    settings.connection_timeout = 5000ms;
    auto conn = zk_connection::open(settings);
    REQUIRE(conn);
    raw = std::move(*conn);
    path = settings.leader_path(test_component);
  }

  ~leader_node_fixture() {
    raw->remove_recursive(root);
  }

  /// Joins `candidate` of `p` with `events` as its elector.
  void join(zk_process& p, uint64_t candidate, caf::scoped_actor& events) {
    p.be.election->join(test_component, candidate, {},
                        caf::actor_cast<election_events_actor>(events));
  }

  /// Joins candidate 1 of `p`, awaits its grant and publishes `address`
  /// with the granted epoch.
  leader_info lead(zk_process& p, caf::scoped_actor& events,
                   const std::string& address) {
    join(p, 1, events);
    auto info = info_of(address, await_grant(events));
    p.be.election->publish(test_component, 1, info);
    return info;
  }

  void subscribe(zk_process& p, caf::scoped_actor& listener) {
    p.be.retrieval->subscribe(test_component,
                              caf::actor_cast<listener_actor>(listener));
  }
};

} // namespace

TEST_CASE("zookeeper: when the process's one session expires, leadership "
          "and store writes end together and come back on the new session",
          "[zookeeper]") {
  standalone_zookeeper server;
  REQUIRE(server.pid() > 0);
  temp_dir storage;
  zk_test_config cfg;
  caf::actor_system sys{cfg};
  zk_process p{server.quorum(), "/expiry", storage};
  auto results = p.open_store();
  auto graphs = p.open_store();
  auto& conn = p.connection();
  CHECK(zookeeper_sessions(server.quorum()) == 1);
  caf::scoped_actor events{sys};
  caf::scoped_actor listener{sys};
  p.be.election->join(test_component, 1, {},
                      caf::actor_cast<election_events_actor>(events));
  auto first = await_grant(events);
  p.be.election->publish(test_component, 1, info_of("first:1", first));
  p.be.retrieval->subscribe(test_component,
                            caf::actor_cast<listener_actor>(listener));
  CHECK(await_report(listener, "leader first") == "leader first:1");
  CHECK_FALSE(write_result(*results, 1, first));
  auto old_session = conn.session_id();
  expire_session(server.quorum(), conn);
  CHECK_THAT(await_report(events, "driver_error"),
             Catch::Contains("session") && Catch::Contains("lost"));
  CHECK_THAT(await_report(listener, "retrieval_error"),
             Catch::Contains("lost"));
  // The grant ended with the session: no store may write under it any more.
  auto stale = write_result(*graphs, 2, first);
  CHECK((is(stale, errc::fenced) || is(stale, errc::backend_unavailable)));
  auto second = await_grant(events);
  CHECK(second > first);
  CHECK(conn.session_id() != old_session);
  CHECK(is(write_result(*results, 3, first), errc::fenced));
  CHECK_FALSE(write_result(*results, 3, second));
  CHECK_FALSE(write_result(*graphs, 4, second));
  // Listeners hear of the leader again only once it confirmed anew.
  p.be.election->publish(test_component, 1, info_of("second:1", second));
  CHECK(await_report(listener, "leader second") == "leader second:1");
  // The server may still list the closed attach connections for a moment.
  CHECK(await_zookeeper_sessions(server.quorum(), 1, 10s) == 1);
}

TEST_CASE("zookeeper: the confirmed leader writes back leader information "
          "another client deleted or overwrote",
          "[zookeeper]") {
  leader_node_fixture f;
  zk_process leader{f.quorum, f.root, f.storage};
  zk_process watcher{f.quorum, f.root, f.storage};
  caf::scoped_actor events{f.sys};
  caf::scoped_actor listener{f.sys};
  auto info = f.lead(leader, events, "leader:1");
  f.subscribe(watcher, listener);
  CHECK(await_report(listener, "leader leader") == "leader leader:1");
  node_observer node{*f.raw, f.path};
  auto owner = leader.connection().session_id();
  REQUIRE(node.await(holds(info, owner), 10s));
  SECTION("deleted") {
    REQUIRE(f.raw->remove(f.path) == zk_rc::ok);
  }
  SECTION("overwritten with garbage") {
    REQUIRE(f.raw->set(f.path, "\x01not leader information") == zk_rc::ok);
  }
  SECTION("replaced by another session's node") {
    auto forged = encode_leader_info(info_of("impostor:1", info.epoch + 1));
    std::vector<zk_op> ops{{zk_op::remove, f.path},
                           {zk_op::create, f.path, forged, -1, true}};
    REQUIRE(f.raw->multi(ops) == zk_rc::ok);
  }
  CHECK(node.await(holds(info, owner), 10s));
  // A new subscriber reads the node afresh; the first listener, told in the
  // same order, ends on the true leader too.
  caf::scoped_actor late{f.sys};
  f.subscribe(watcher, late);
  CHECK(await_report(late, "leader") == "leader leader:1");
  auto seen = delivered(listener);
  if (!seen.empty())
    CHECK(seen.back() == "leader leader:1");
}

TEST_CASE("zookeeper: a listener reports no leader, not garbage, when the "
          "leader information cannot be decoded",
          "[zookeeper]") {
  leader_node_fixture f;
  zk_process watcher{f.quorum, f.root, f.storage};
  REQUIRE(f.raw->ensure_path(f.path.substr(0, f.path.rfind('/')))
          == zk_rc::ok);
  REQUIRE(f.raw->create(f.path, encode_leader_info(info_of("some:1", 3)))
          == zk_rc::ok);
  caf::scoped_actor listener{f.sys};
  f.subscribe(watcher, listener);
  CHECK(await_report(listener, "leader") == "leader some:1");
  REQUIRE(f.raw->set(f.path, "\x7fgarbage") == zk_rc::ok);
  CHECK(next_report(listener) == "leader ");
  caf::scoped_actor late{f.sys};
  f.subscribe(watcher, late);
  CHECK(next_report(late) == "leader ");
}

TEST_CASE("zookeeper: only the confirmed leader writes the leader "
          "information back, never a queued, an unconfirmed or a former "
          "leader",
          "[zookeeper]") {
  leader_node_fixture f;
  zk_process a{f.quorum, f.root, f.storage};
  zk_process b{f.quorum, f.root, f.storage};
  caf::scoped_actor a_events{f.sys};
  caf::scoped_actor b_events{f.sys};
  auto a_info = f.lead(a, a_events, "a:1");
  f.join(b, 1, b_events);
  node_observer node{*f.raw, f.path};
  auto a_session = a.connection().session_id();
  REQUIRE(node.await(holds(a_info, a_session), 10s));
  // B is queued: the leader alone repairs the node.
  REQUIRE(f.raw->set(f.path, "garbage") == zk_rc::ok);
  CHECK(node.await(holds(a_info, a_session), 10s));
  a.be.election->leave(test_component, 1);
  auto b_epoch = await_grant(b_events);
  CHECK(b_epoch > a_info.epoch);
  // The leave removed the node (A holds no grant any more) before B's grant.
  CHECK(f.raw->exists(f.path) == zk_rc::no_node);
  REQUIRE(f.raw->create(f.path, "garbage") == zk_rc::ok);
  // The leader heals within milliseconds (above); neither the former leader
  // nor the unconfirmed one touches the node in a window far longer.
  CHECK_FALSE(node.changes_within(1500ms));
  auto b_info = info_of("b:1", b_epoch);
  b.be.election->publish(test_component, 1, b_info);
  CHECK(node.await(holds(b_info, b.connection().session_id()), 10s));
}
