#include "caf_ha/backends/zookeeper/zk_settings.hpp"

#include "caf_ha/config/config.hpp"
#include "caf_ha/config/options.hpp"
#include "caf_ha/config/secret_file.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

constexpr const char* leader_suffix = "/connection_info";
constexpr const char* acl_key = "high-availability.zookeeper.client.acl";
constexpr const char* auth_key = "high-availability.zookeeper.client.auth";
constexpr const char* auth_file_key
  = "high-availability.zookeeper.client.auth-file";

/// The credentials in `path`, checked like the `auth` option (whose
/// validator never shows the value).
caf::expected<std::string> read_auth_file(const std::string& path) {
  auto text = read_secret_file(auth_file_key, path);
  if (!text)
    return text;
  return find_option(auth_key)->validate(std::string{auth_file_key} + " '"
                                           + path + "'",
                                         *text);
}

/// The digest credentials from `auth` or `auth-file` (at most one of them),
/// empty if neither is set.
caf::expected<std::string> credentials(const config& cfg) {
  auto& inline_auth = cfg.get_string(auth_key);
  auto& file = cfg.get_string(auth_file_key);
  if (!inline_auth.empty() && !file.empty())
    return make_error(errc::invalid_config,
                      std::string{"set only one of "} + auth_key + " and "
                        + auth_file_key);
  if (!file.empty())
    return read_auth_file(file);
  return inline_auth;
}

} // namespace

caf::expected<zk_settings> zk_settings::from(const config& cfg) {
  using std::chrono::milliseconds;
  const std::string prefix = "high-availability.zookeeper.";
  zk_settings result;
  auto auth = credentials(cfg);
  if (!auth)
    return std::move(auth.error());
  result.auth = std::move(*auth);
  if (cfg.get_string(acl_key) == "creator") {
    if (result.auth.empty())
      return make_error(errc::invalid_config,
                        std::string{acl_key} + " is 'creator' but no "
                          + "credentials are set: set " + auth_key
                          + " (user:password) or " + auth_file_key);
    result.acl = zk_acl::creator;
  }
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

std::string zk_settings::handover_path(const std::string& component) const {
  return cluster_path() + "/leaderhandover/" + component;
}

namespace {

/// What follows `prefix` in `path`; empty if `path` does not start with it.
std::string after(const std::string& path, const std::string& prefix) {
  if (path.size() <= prefix.size()
      || path.compare(0, prefix.size(), prefix) != 0)
    return {};
  return path.substr(prefix.size());
}

} // namespace

std::string
zk_settings::component_of_handover_path(const std::string& path) const {
  return after(path, cluster_path() + "/leaderhandover/");
}

std::string
zk_settings::component_of_latch_path(const std::string& path) const {
  auto rest = after(path, cluster_path() + "/leaderlatch/");
  // Component names may hold '/' (job_manager/<id>); latch nodes' names
  // hold "-latch-".
  auto slash = rest.rfind('/');
  if (slash != std::string::npos
      && rest.find("-latch-", slash) != std::string::npos)
    return rest.substr(0, slash);
  return rest;
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
