// Multi-process, mode zookeeper on a three-server ensemble on loopback: two
// `hactl contend` processes and short-lived store writers while servers
// die. One server down (the ZooKeeper leader, then a follower) loses no
// acknowledged write and leaves the cluster without a confirmed leader for
// at most the session timeout; two down suspend everything, with never two
// confirmed leaders; one back resumes.

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "caf_ha/messages/ids.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/zookeeper_server.hpp"
#include "tests/system/zookeeper_hactl.hpp"

using namespace ha::test;

namespace {

constexpr int contender_count = 2;
constexpr int64_t session_timeout_ms = 2000;

using std::chrono::milliseconds;
using std::chrono::steady_clock;

/// One line a contender printed.
struct contender_event {
  int64_t ts_ms;
  int contender;
  std::string event;
};

/// Intervals in which a contender held a confirmed leadership: from its
/// `confirmed` to its next `revoked` or `error` (or `open_end`).
std::vector<std::pair<int, std::pair<int64_t, int64_t>>>
leaderships(const std::vector<contender_event>& history, int64_t open_end) {
  std::vector<std::pair<int, std::pair<int64_t, int64_t>>> result;
  std::vector<int64_t> since(contender_count, -1);
  for (auto& x : history) {
    auto& start = since[x.contender];
    if (x.event == "confirmed" && start < 0) {
      start = x.ts_ms;
    } else if ((x.event == "revoked" || x.event == "error") && start >= 0) {
      result.push_back({x.contender, {start, x.ts_ms}});
      start = -1;
    }
  }
  for (int i = 0; i < contender_count; ++i)
    if (since[i] >= 0)
      result.push_back({i, {since[i], open_end}});
  return result;
}

/// The longest stretch of [from, to] in which nobody held a confirmed
/// leadership.
int64_t longest_leaderless_ms(const std::vector<contender_event>& history,
                              int64_t from, int64_t to) {
  auto held = leaderships(history, to);
  std::sort(held.begin(), held.end(),
            [](auto& x, auto& y) { return x.second < y.second; });
  int64_t longest = 0;
  auto covered_until = from;
  for (auto& [who, span] : held) {
    if (span.second <= covered_until)
      continue;
    longest = std::max(longest, std::min(span.first, to) - covered_until);
    covered_until = std::max(covered_until, span.second);
  }
  return std::max(longest, to - covered_until);
}

/// True if two contenders ever held confirmed leaderships at once.
bool split_brain(const std::vector<contender_event>& history, int64_t end) {
  auto held = leaderships(history, end);
  for (auto& [x, xs] : held)
    for (auto& [y, ys] : held)
      if (x != y && xs.first < ys.second && ys.first < xs.second)
        return true;
  return false;
}

class ensemble_cluster {
public:
  zookeeper_ensemble servers;
  std::vector<contender_event> history;
  /// Job ids whose create-dirty was acknowledged.
  std::set<std::string> written;

  ensemble_cluster() {
    for (int i = 0; i < contender_count; ++i)
      contenders_.push_back(
        hactl_zk(config_, {"contend", "dispatcher", "--address",
                  "master-" + std::to_string(i) + ":6123"}));
  }

  /// Records what the contenders print until `deadline`, or until `done`
  /// holds.
  void observe_until(steady_clock::time_point deadline,
                     const std::function<bool()>& done = {}) {
    // Bounded by the deadline: each round waits at most 20 ms per process.
    while (steady_clock::now() < deadline && !(done && done()))
      for (int i = 0; i < contender_count; ++i)
        if (auto line = contenders_[i]->read_line(milliseconds{20})) {
          auto event = nlohmann::json::parse(*line);
          history.push_back({event["ts_ms"].get<int64_t>(), i,
                             event["event"].get<std::string>()});
        }
  }

  /// Waits up to `timeout` for a contender's `event` after `since`.
  bool await_event(const std::string& event, int64_t since,
                   milliseconds timeout) {
    auto seen = [&] {
      return std::any_of(history.begin(), history.end(), [&](auto& x) {
        return x.event == event && x.ts_ms >= since;
      });
    };
    observe_until(steady_clock::now() + timeout, seen);
    return seen();
  }

  /// Watches the contenders until none holds a confirmed leadership; false
  /// if one still does after `timeout`.
  bool await_no_leader(milliseconds timeout) {
    observe_until(steady_clock::now() + timeout,
                  [&] { return !anyone_leads(); });
    return !anyone_leads();
  }

  /// Runs `results create-dirty` for job `n`; true if acknowledged.
  bool write_result(int n, std::vector<std::string> overrides = {}) {
    std::vector<std::string> args;
    for (auto& x : overrides)
      args.insert(args.end(), {"-D", x});
    args.insert(args.end(),
                {"results", "create-dirty", job_hex(n), "--status", "FAILED"});
    auto proc = hactl_zk(config_, args);
    auto code = proc->wait(30s);
    INFO("hactl stderr: " << proc->error_output());
    REQUIRE(code);
    if (*code == 0)
      written.insert(job_hex(n));
    return *code == 0;
  }

  /// Every job id in the result store.
  std::set<std::string> stored() {
    auto proc = hactl_zk(config_, {"results", "list"});
    std::set<std::string> result;
    for (int i = 0; i < 1000; ++i) {
      auto line = proc->read_line(20s);
      if (!line)
        break;
      result.insert(nlohmann::json::parse(*line)["job_id"].get<std::string>());
    }
    INFO("hactl stderr: " << proc->error_output());
    CHECK(proc->wait(20s) == 0);
    return result;
  }

  /// Kills server `victim`; then: the acknowledged writes are all there, a
  /// new one is acknowledged, and watched for a session timeout, the
  /// cluster never went longer than that without a confirmed leader.
  void survive_one_down(int victim, const std::string& role, int next_job) {
    auto at = now_ms();
    servers.kill(victim);
    CHECK(write_result(next_job));
    auto after = stored();
    CHECK(std::includes(after.begin(), after.end(), written.begin(),
                        written.end()));
    observe_until(steady_clock::now()
                  + milliseconds{at + session_timeout_ms + 500 - now_ms()});
    auto gap = longest_leaderless_ms(history, at, now_ms());
    std::cout << "zookeeper ensemble: server " << victim << " (" << role
              << ") killed: longest time without a confirmed leader " << gap
              << " ms" << std::endl;
    CHECK(gap <= session_timeout_ms);
  }

  /// True if a contender holds a confirmed leadership now.
  bool anyone_leads() const {
    auto held = leaderships(history, std::numeric_limits<int64_t>::max());
    return std::any_of(held.begin(), held.end(), [](auto& x) {
      return x.second.second == std::numeric_limits<int64_t>::max();
    });
  }

private:
  std::string write_config() {
    auto path = dir_.str() + "/zk.yaml";
    std::ofstream out{path};
    out << "high-availability: zookeeper\n"
        << "high-availability.storageDir: " << dir_.str() << "/storage\n"
        << "high-availability.zookeeper.quorum: " << servers.quorum() << "\n"
        << "high-availability.zookeeper.path.root: "
        << unique_zookeeper_root() << "\n"
        << "high-availability.zookeeper.client.session-timeout: "
        << session_timeout_ms << "\n"
        << "high-availability.zookeeper.client.connection-timeout: 2000\n"
        << "high-availability.zookeeper.client.retry-wait: 200\n";
    return path;
  }

  temp_dir dir_;
  std::string config_ = write_config();
  std::vector<std::unique_ptr<child_process>> contenders_;
};

} // namespace

// No ';' in the name: ctest's test list would split it there.
TEST_CASE("zookeeper ensemble: one server down (leader or follower) loses "
          "no acknowledged write and no leader for longer than the session "
          "timeout, two down suspend everything without split brain, one "
          "back resumes",
          "[zookeeper][system][ensemble]") {
  ensemble_cluster c;
  REQUIRE(c.await_event("confirmed", 0, 20s));
  REQUIRE(c.write_result(1));
  // The ZooKeeper leader dies, comes back; then a follower dies.
  auto zk_leader = c.servers.await_quorum(10s);
  REQUIRE(zk_leader >= 0);
  c.survive_one_down(zk_leader, "leader", 2);
  c.servers.restart(zk_leader);
  zk_leader = c.servers.await_quorum(30s);
  REQUIRE(zk_leader >= 0);
  auto follower = (zk_leader + 1) % c.servers.size();
  c.survive_one_down(follower, "follower", 3);
  // Two down: the last server has no quorum and serves nobody.
  auto suspended_at = now_ms();
  c.servers.kill(zk_leader);
  CHECK_FALSE(c.write_result(4, {"high-availability.zookeeper.client."
                                 "max-retry-attempts=0",
                                 "high-availability.zookeeper.client."
                                 "connection-timeout=1000"}));
  // The leader steps down once its session must have expired (the margin
  // covers a loaded CI machine: the client's own timer decides, since no
  // server with a quorum is left to tell it).
  CHECK(c.await_no_leader(milliseconds{session_timeout_ms + 5000}));
  CHECK(c.await_event("error", suspended_at, 1s));
  auto survivor = 3 - zk_leader - follower; // Indices are 0, 1, 2.
  CHECK(c.servers.mode(survivor).empty());
  // One back: a quorum again, a new confirmed leader, writes resume.
  auto resumed_at = now_ms();
  c.servers.restart(zk_leader);
  REQUIRE(c.servers.await_quorum(30s) >= 0);
  CHECK(c.await_event("confirmed", resumed_at, 20s));
  std::cout << "zookeeper ensemble: leader confirmed " << now_ms() - resumed_at
            << " ms after restarting a server" << std::endl;
  CHECK(c.write_result(5));
  auto after = c.stored();
  CHECK(std::includes(after.begin(), after.end(), c.written.begin(),
                      c.written.end()));
  CHECK(after.count(job_hex(4)) == 0);
  c.observe_until(steady_clock::now() + 300ms);
  CHECK_FALSE(split_brain(c.history, now_ms()));
}
