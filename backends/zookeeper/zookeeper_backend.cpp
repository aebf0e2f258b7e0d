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
caf::error remove_cluster(const zk_settings& settings,
                          const std::string& cluster_dir) {
  auto conn = zk_connection::open(settings);
  if (!conn)
    return std::move(conn.error());
  auto node = settings.cluster_path();
  if (auto rc = (*conn)->remove_recursive(node); rc != zk_rc::ok)
    return (*conn)->error_for(rc, "deleting " + node);
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
  auto parsed = zk_settings::from(cfg);
  if (!parsed)
    return std::move(parsed.error());
  auto& settings = *parsed;
  auto election = zk_election::make(settings);
  if (!election)
    return std::move(election.error());
  auto retrieval = zk_retrieval::make(settings);
  if (!retrieval)
    return std::move(retrieval.error());
  backend be{"zookeeper", cfg.cluster_id(), *election, *retrieval,
             std::move(new_session_id), {}, {}};
  auto payloads = cluster_dir + "/zk-payloads";
  be.open_metadata = [settings, payloads]()
    -> caf::expected<std::shared_ptr<metadata_store>> {
    auto store = open_zk_metadata_store(settings, payloads);
    if (!store)
      return std::move(store.error());
    return std::shared_ptr<metadata_store>{std::move(*store)};
  };
  be.remove_all_files = [settings, cluster_dir] {
    return remove_cluster(settings, cluster_dir);
  };
  return be;
}

} // namespace ha
