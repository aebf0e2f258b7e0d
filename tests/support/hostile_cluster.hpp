#pragma once

// The hostile system tests' world: an ha-node on loopback over plain TCP or
// mutual TLS, hactl as the good client, and hostile_peer
// (tests/support/hostile_peer/) as the attacker, both with the settings
// the node's transport needs.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/tls_certs.hpp"

namespace ha::test {

enum class transport { plain, tls };

std::string to_string(transport x);

class hostile_cluster {
public:
  /// Starts an ha-node speaking `mode`, with `node_args` added.
  explicit hostile_cluster(transport mode,
                           std::vector<std::string> node_args = {});

  running_node& node() {
    return *node_;
  }

  /// `-D` options a client needs for this node's transport.
  std::vector<std::string> client_args() const;

  /// Runs `hostile_peer ATTACK OPTIONS...` to its end and returns its
  /// report; fails the test if it could not run the attack.
  nlohmann::json attack(const std::string& name,
                        std::vector<std::string> options = {});

  /// Starts `hostile_peer ATTACK OPTIONS...` and leaves it running.
  std::unique_ptr<child_process> start_attack(const std::string& name,
                                              std::vector<std::string> options);

  /// Starts `hactl --json` with this transport's settings and `args`.
  std::unique_ptr<child_process> hactl(std::vector<std::string> args);

  /// Runs hactl to its end; its JSON lines (fails the test on non-zero).
  std::vector<nlohmann::json> hactl_lines(std::vector<std::string> args);

  /// `hactl leader get COMPONENT`'s answer.
  nlohmann::json leader(const std::string& component = "dispatcher");

  /// A good client is still served: `hactl leader get dispatcher` answers
  /// and ha-node still runs.
  void expect_served();

  /// Lines of ha-node's stderr so far that contain `text`.
  size_t log_lines_with(const std::string& text) const;

private:
  transport mode_;
  std::optional<test_ca> ca_;
  tls_identity node_identity_;
  tls_identity client_identity_;
  std::unique_ptr<running_node> node_;
};

/// A contender started with `hactl contend COMPONENT --address ADDRESS`,
/// once it has confirmed its grant.
struct leading_contender {
  std::unique_ptr<child_process> process;
  nlohmann::json confirmed;
};

leading_contender start_leader(hostile_cluster& cluster,
                               const std::string& component,
                               const std::string& address);

/// True if two `leader` events name the same leader (address, session,
/// epoch).
bool same_leader(const nlohmann::json& x, const nlohmann::json& y);

} // namespace ha::test
