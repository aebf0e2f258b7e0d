#pragma once

// A ZooKeeper for the tests: the quorum in $CAF_HA_ZK_QUORUM if set, else
// a throwaway standalone server on a free loopback port (own data dir,
// tickTime 200, minSessionTimeout 400, admin server off), started on first
// use, once per test binary run, and stopped by PID at exit (and killed by
// the kernel if the test binary dies first).

#include <chrono>
#include <string>
#include <vector>

namespace ha::test {

/// The quorum to use. Throws (failing the test) with a message naming what
/// is missing when no server can be had: the README's test command installs
/// ZooKeeper, so its tests never pass by doing nothing.
const std::string& zookeeper_quorum();

/// A fresh `path.root`, so that test cases sharing a server never see each
/// other's nodes.
std::string unique_zookeeper_root();

/// Starts a standalone server on a free loopback port in `dir` and waits
/// until it serves; returns its PID and sets `quorum`, or returns -1 and
/// sets `why_not`.
int start_zookeeper_server(const std::string& dir, std::string& quorum,
                           std::string& why_not);

/// SIGTERM, then SIGKILL if it does not exit within 5 s.
void stop_zookeeper_server(int pid);

/// A standalone server of one's own in a fresh temp dir (for tests that
/// count its sessions), stopped and removed in the destructor.
class standalone_zookeeper {
public:
  standalone_zookeeper();

  ~standalone_zookeeper();

  standalone_zookeeper(const standalone_zookeeper&) = delete;
  standalone_zookeeper& operator=(const standalone_zookeeper&) = delete;

  /// -1 if it did not start; see `why_not`.
  int pid() const {
    return pid_;
  }

  const std::string& quorum() const {
    return quorum_;
  }

  const std::string& why_not() const {
    return why_not_;
  }

private:
  std::string dir_;
  std::string quorum_;
  std::string why_not_;
  int pid_ = -1;
};

/// The sessions connected to the single server at `quorum`
/// (`127.0.0.1:PORT`), counted in its `cons` answer.
int zookeeper_sessions(const std::string& quorum);

/// `zookeeper_sessions` once it equals `count`, or what it is after
/// `timeout`: the server takes a moment to drop a closed connection.
int await_zookeeper_sessions(const std::string& quorum, int count,
                             std::chrono::milliseconds timeout);

/// An ensemble on loopback for the tests that kill servers: each server has
/// its own directory, data dir with `myid`, client, peer and election ports,
/// the same short ticks as the standalone server, and is stopped by PID in
/// the destructor (killed by the kernel if the test binary dies first).
class zookeeper_ensemble {
public:
  /// Starts `size` servers and waits until one leads and the others follow;
  /// throws, quoting a server's log, if that takes over 30 s. Free of
  /// Catch2, like the rest of this file, so the benchmarks use it too.
  explicit zookeeper_ensemble(int size = 3);

  ~zookeeper_ensemble();

  zookeeper_ensemble(const zookeeper_ensemble&) = delete;
  zookeeper_ensemble& operator=(const zookeeper_ensemble&) = delete;

  int size() const {
    return static_cast<int>(servers_.size());
  }

  /// `127.0.0.1:PORT,...` of every server, running or not.
  std::string quorum() const;

  bool running(int i) const;

  /// What server `i` answers to `srvr`: `leader`, `follower`, or empty
  /// while it does not serve (stopped, or without a quorum).
  std::string mode(int i) const;

  /// Waits until one running server leads and every other running one
  /// follows; the leader's index, or -1 once `timeout` has passed.
  int await_quorum(std::chrono::milliseconds timeout) const;

  /// kill -9 of server `i`; returns once it is gone.
  void kill(int i);

  /// Starts the stopped server `i` again on its ports and data; does not
  /// wait (see `await_quorum`).
  void restart(int i);

private:
  /// Stops every server by PID and removes their directories.
  void stop_all();

  struct server {
    std::string dir;
    int client_port = 0;
    int pid = -1;
  };

  std::string root_;
  std::vector<server> servers_;
};

} // namespace ha::test
