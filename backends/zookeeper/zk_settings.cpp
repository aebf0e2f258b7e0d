#include "backends/zookeeper/zk_settings.hpp"

#include "config/config.hpp"

namespace ha {

namespace {

constexpr const char* leader_suffix = "/connection_info";

} // namespace

zk_settings zk_settings::from(const config& cfg) {
  using std::chrono::milliseconds;
  const std::string prefix = "high-availability.zookeeper.";
  zk_settings result;
  result.quorum = cfg.get_string(prefix + "quorum");
  result.session_timeout
    = milliseconds{cfg.get_int(prefix + "client.session-timeout")};
  result.connection_timeout
    = milliseconds{cfg.get_int(prefix + "client.connection-timeout")};
  result.retry_wait = milliseconds{cfg.get_int(prefix + "client.retry-wait")};
  result.max_retry_attempts
    = static_cast<int>(cfg.get_int(prefix + "client.max-retry-attempts"));
  result.root = cfg.get_string(prefix + "path.root");
  result.cluster_id = cfg.cluster_id();
  result.revoke_on_suspend
    = cfg.get_string(prefix + "client.revoke-on-suspend") == "true";
  return result;
}

std::string zk_settings::cluster_path() const {
  auto base = root;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base + "/" + cluster_id;
}

std::string zk_settings::latch_path(const std::string& component) const {
  return cluster_path() + "/leaderlatch/" + component;
}

std::string zk_settings::leader_path(const std::string& component) const {
  return cluster_path() + "/leader/" + component + leader_suffix;
}

std::string
zk_settings::component_of_leader_path(const std::string& path) const {
  auto prefix = cluster_path() + "/leader/";
  std::string suffix = leader_suffix;
  if (path.size() <= prefix.size() + suffix.size()
      || path.compare(0, prefix.size(), prefix) != 0
      || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    return {};
  return path.substr(prefix.size(),
                     path.size() - prefix.size() - suffix.size());
}

} // namespace ha
