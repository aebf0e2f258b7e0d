#pragma once

// A ZooKeeper for the tests: the quorum in $CAF_HA_ZK_QUORUM if set, else
// a throwaway standalone server on a free loopback port (own data dir,
// tickTime 200, minSessionTimeout 400, admin server off), started on first
// use, once per test binary run, and stopped by PID at exit (and killed by
// the kernel if the test binary dies first).

#include <string>

namespace ha::test {

/// The quorum to use. Fails the test with a message naming what is
/// missing when no server can be had: the README's test command installs
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

} // namespace ha::test
