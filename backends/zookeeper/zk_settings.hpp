#pragma once

#include <chrono>
#include <string>

namespace ha {

class config;

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

  static zk_settings from(const config& cfg);

  /// `<root>/<cluster-id>`: everything of this cluster lives below.
  std::string cluster_path() const;

  /// `<cluster_path>/leaderlatch/<component>`.
  std::string latch_path(const std::string& component) const;

  /// `<cluster_path>/leader/<component>/connection_info`.
  std::string leader_path(const std::string& component) const;

  /// The component of a `leader_path`, or empty if `path` is none.
  std::string component_of_leader_path(const std::string& path) const;
};

} // namespace ha
