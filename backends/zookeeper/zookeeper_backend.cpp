#include "caf_ha/backends/zookeeper/zookeeper_backend.hpp"

#include <filesystem>
#include <system_error>

#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_election.hpp"
#include "caf_ha/backends/zookeeper/zk_metadata_store.hpp"
#include "caf_ha/backends/zookeeper/zk_retrieval.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// Deletes `<root>/<cluster-id>` and the cluster's directory, nothing else.
caf::error remove_cluster(zk_connection& conn, const std::string& cluster_dir) {
  auto node = conn.settings().cluster_path();
  if (auto rc = conn.remove_recursive(node); rc != zk_rc::ok)
    return conn.error_for(rc, "deleting " + node);
  std::error_code ec;
  std::filesystem::remove_all(cluster_dir, ec);
  if (ec)
    return make_error(errc::backend_unavailable,
                      "cannot remove " + cluster_dir + ": " + ec.message());
  return caf::none;
}

} // namespace

caf::expected<backend>
make_zookeeper(const config& cfg, const std::string& cluster_dir,
               std::function<session_id()> new_session_id) {
  auto settings = zk_settings::from(cfg);
  if (!settings)
    return std::move(settings.error());
  auto opened = zk_connection::open(*settings);
  if (!opened)
    return std::move(opened.error());
  // One session for everything of this process: its loss ends leadership
  // and store writes together.
  std::shared_ptr<zk_connection> conn = std::move(*opened);
  backend be{"zookeeper", cfg.cluster_id(), zk_election::make(conn),
             zk_retrieval::make(conn), std::move(new_session_id), {}, {}};
  be.open_metadata = [conn, payloads = cluster_dir + "/zk-payloads"]()
    -> caf::expected<std::shared_ptr<metadata_store>> {
    return std::shared_ptr<metadata_store>{
      make_zk_metadata_store(conn, payloads)};
  };
  be.remove_all_files = [conn, cluster_dir] {
    return remove_cluster(*conn, cluster_dir);
  };
  return be;
}

} // namespace ha
