#pragma once

#include <chrono>
#include <string>

#include <caf/expected.hpp>

namespace ha {

class config;

/// Who may read and change the nodes the backend creates.
enum class zk_acl {
  /// Anyone (ZooKeeper's OPEN_ACL_UNSAFE).
  open,
  /// Only sessions authenticated with the creator's digest credentials
  /// (CREATOR_ALL_ACL).
  creator,
};

/// What the ZooKeeper backend reads from the configuration.
struct zk_settings {
  std::string quorum;
  std::chrono::milliseconds session_timeout{60000};
  std::chrono::milliseconds connection_timeout{15000};
  std::chrono::milliseconds retry_wait{5000};
  int max_retry_attempts = 3;
  /// `high-availability.zookeeper.path.root`, e.g. `/flink`.
  std::string root = "/flink";
  std::string cluster_id = "default";
  bool revoke_on_suspend = false;
  zk_acl acl = zk_acl::open;
  /// `user:password` for digest authentication, added to every session when
  /// not empty (also with the `open` ACL, to reach another client's nodes).
  /// A credential: never logged.
  std::string auth;

  /// invalid_config naming the key when the `creator` ACL has no
  /// credentials, or the auth file cannot be read or holds no
  /// `user:password`.
  static caf::expected<zk_settings> from(const config& cfg);

  /// `<root>/<cluster-id>`: everything of this cluster lives below.
  std::string cluster_path() const;

  /// `<cluster_path>/leaderlatch/<component>`.
  std::string latch_path(const std::string& component) const;

  /// `<cluster_path>/leaderhandover/<component>`: names the latch node a
  /// transfer or fail-back picked to lead next.
  std::string handover_path(const std::string& component) const;

  /// The component of a `handover_path`, or empty if `path` is none.
  std::string component_of_handover_path(const std::string& path) const;

  /// The component whose latch `path` is (`latch_path`) or is in (one of its
  /// nodes), or empty if it is neither.
  std::string component_of_latch_path(const std::string& path) const;

  /// `<cluster_path>/leader/<component>/connection_info`.
  std::string leader_path(const std::string& component) const;

  /// The component of a `leader_path`, or empty if `path` is none.
  std::string component_of_leader_path(const std::string& path) const;
};

} // namespace ha
