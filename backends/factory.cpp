#include "caf_ha/backends/factory.hpp"

#include <chrono>
#include <filesystem>
#include <sstream>
#include <system_error>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "caf_ha/backends/file/file_blob_storage.hpp"
#include "caf_ha/backends/memory/fixed_leaders.hpp"
#include "caf_ha/backends/memory/memory_election.hpp"
#include "caf_ha/backends/memory/memory_metadata_store.hpp"
#include "caf_ha/backends/require_fence.hpp"
#include "caf_ha/backends/sqlite/sqlite_grants.hpp"
#include "caf_ha/backends/sqlite/sqlite_metadata_store.hpp"
#include "caf_ha/backends/storage_identity.hpp"
#include "caf_ha/backends/zookeeper/zk_election.hpp"
#include "caf_ha/backends/zookeeper/zookeeper_backend.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

namespace fs = std::filesystem;

/// Electors run on many threads; boost's generator is not thread-safe.
session_id random_session_id() {
  thread_local boost::uuids::random_generator gen;
  return gen();
}

/// Everything of one cluster lives under `<storageDir>/<cluster-id>`.
fs::path cluster_dir(const config& cfg) {
  return fs::path{cfg.get_string("high-availability.storageDir")}
         / cfg.cluster_id();
}

/// Metadata in this process's memory, shared by every store actor; fences
/// are checked against `grants`.
void use_memory_metadata(backend& be,
                         std::shared_ptr<grant_authority> grants) {
  auto shared = std::make_shared<memory_metadata>();
  shared->grants = std::move(grants);
  be.open_metadata = [shared]()
    -> caf::expected<std::shared_ptr<metadata_store>> {
    return std::shared_ptr<metadata_store>{open_memory_metadata_store(shared)};
  };
  be.remove_all_files = [] { return caf::error{}; };
}

backend make_none(const config& cfg) {
  auto rpc = cfg.get_string("jobmanager.rpc.address") + ":"
             + std::to_string(cfg.get_int("jobmanager.rpc.port"));
  auto rest = "http://" + cfg.get_string("rest.address") + ":"
              + std::to_string(cfg.get_int("rest.port"));
  auto fixed = std::make_shared<fixed_leaders>(rpc, rest);
  backend be{"NONE", cfg.cluster_id(), fixed, fixed, nil_session_id, {}, {}};
  use_memory_metadata(be, fixed);
  return be;
}

/// The components of `ha.election.fail-back` (validated and canonical).
std::vector<std::string> fail_back_components(const config& cfg) {
  std::vector<std::string> result;
  std::stringstream items{cfg.get_string("ha.election.fail-back")};
  for (std::string item; std::getline(items, item, ',');)
    if (!item.empty())
      result.push_back(item);
  return result;
}

backend make_embedded(const config& cfg) {
  auto arbiter = std::make_shared<memory_election>();
  arbiter->fail_back(fail_back_components(cfg));
  backend be{"embedded", cfg.cluster_id(), arbiter, arbiter,
             random_session_id, {}, {}};
  use_memory_metadata(be, arbiter);
  return be;
}

/// Microseconds since the Unix epoch: the floor of the sqlite arbiter's
/// epochs, so that a database lost and recreated (deleted storage, a
/// restored backup) still hands out only epochs above every earlier one.
/// Below 2^53 until the year 2255, so JSON readers keep every digit.
epoch_t wall_clock_epoch_floor() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<epoch_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

caf::expected<backend> make_sqlite(const config& cfg) {
  auto dir = cluster_dir(cfg);
  // Opening once here makes a corrupted or newer database fail at start;
  // every connection after holds to the file opened now.
  auto db = prepare_sqlite_database((dir / "metadata.db").string());
  if (!db)
    return std::move(db.error());
  auto open = [db = *db]() -> caf::expected<std::shared_ptr<metadata_store>> {
    auto store = open_sqlite_metadata_store(db);
    if (!store)
      return std::move(store.error());
    return std::shared_ptr<metadata_store>{std::move(*store)};
  };
  auto epochs = open_sqlite_epoch_reserver(*db, wall_clock_epoch_floor);
  if (!epochs)
    return std::move(epochs.error());
  auto grants = open_sqlite_grant_recorder(*db);
  if (!grants)
    return std::move(grants.error());
  auto arbiter = memory_election::make_durable(std::move(*epochs),
                                               std::move(*grants));
  if (!arbiter)
    return std::move(arbiter.error());
  (*arbiter)->fail_back(fail_back_components(cfg));
  backend be{"sqlite", cfg.cluster_id(), *arbiter, *arbiter,
             random_session_id, open, {}};
  be.remove_all_files = [dir]() -> caf::error {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec)
      return make_error(errc::backend_unavailable,
                        "cannot remove " + dir.string() + ": " + ec.message());
    return caf::none;
  };
  return be;
}

caf::expected<backend> make_zookeeper_mode(const config& cfg) {
  auto be = make_zookeeper(cfg, cluster_dir(cfg).string(), random_session_id);
  if (be)
    std::static_pointer_cast<zk_election>(be->election)
      ->fail_back(fail_back_components(cfg));
  return be;
}

caf::expected<backend> make_mode(const config& cfg) {
  switch (cfg.mode()) {
    case ha_mode::none:
      return make_none(cfg);
    case ha_mode::embedded:
      return make_embedded(cfg);
    case ha_mode::sqlite:
      return make_sqlite(cfg);
    case ha_mode::zookeeper:
      return make_zookeeper_mode(cfg);
    default:
      return make_error(errc::not_available,
                        "high-availability mode '" + to_string(cfg.mode())
                          + "' is not available yet in this build");
  }
}

/// A fresh directory under the system's temp dir, removed with its contents
/// when the last holder lets go.
caf::expected<std::shared_ptr<const fs::path>>
make_scratch_dir(const std::string& cluster_id) {
  std::error_code ec;
  auto dir = fs::temp_directory_path(ec)
             / ("caf-ha-" + cluster_id + "-" + boost::uuids::to_string(random_session_id()));
  if (!ec)
    fs::create_directories(dir, ec);
  if (ec)
    return make_error(errc::backend_unavailable,
                      "cannot create a temporary blob directory "
                        + dir.string() + ": " + ec.message());
  auto remove = [](const fs::path* p) {
    std::error_code ignored;
    fs::remove_all(*p, ignored);
    delete p;
  };
  return std::shared_ptr<const fs::path>(new fs::path(dir), remove);
}

/// Creates the blob directory, removes the temporary files of uploads a
/// crash interrupted (kill -9 leaves them behind) and pins the directory:
/// writes are refused once the path names another one.
caf::error open_blob_root(backend& be) {
  if (auto err = be.blobs->make_dirs(be.blob_root))
    return err;
  auto swept = remove_abandoned_temporary_files(be.blob_root);
  if (!swept)
    return std::move(swept.error());
  if (*swept > 0)
    logger("store")->info("removed {} temporary files of interrupted uploads "
                          "under {}",
                          *swept, be.blob_root);
  auto identity = storage_identity::of(be.blob_root);
  if (!identity)
    return std::move(identity.error());
  be.verify_blob_root = [id = std::move(*identity)] { return id.verify(); };
  return caf::none;
}

/// Blobs live in `<storageDir>/<cluster-id>/blob`; without a storageDir (the
/// memory modes) in a scratch directory that goes away with the services,
/// just as their metadata does.
caf::error attach_blobs(backend& be, const config& cfg) {
  be.blobs = std::make_shared<file_blob_storage>();
  if (!cfg.get_string("high-availability.storageDir").empty()) {
    be.blob_root = (cluster_dir(cfg) / "blob").string();
    return open_blob_root(be);
  }
  auto scratch = make_scratch_dir(be.cluster_id);
  if (!scratch)
    return std::move(scratch.error());
  be.blob_root = (**scratch / "blob").string();
  be.scratch = std::move(*scratch);
  return open_blob_root(be);
}

} // namespace

caf::expected<backend> make_backend(const config& cfg) {
  if (auto err = cfg.check_required())
    return err;
  auto be = make_mode(cfg);
  if (!be)
    return be;
  if (cfg.get_string("ha.store.require-fence") == "true")
    be->open_metadata = [open = std::move(be->open_metadata)]()
      -> caf::expected<std::shared_ptr<metadata_store>> {
      auto store = open();
      if (!store)
        return store;
      return std::shared_ptr<metadata_store>{require_fence(std::move(*store))};
    };
  if (auto err = attach_blobs(*be, cfg))
    return err;
  return be;
}

caf::expected<backend> make_backend(const config& cfg,
                                    std::shared_ptr<grant_authority> grants) {
  if (cfg.mode() != ha_mode::none && cfg.mode() != ha_mode::embedded)
    return make_error(errc::invalid_config,
                      "only the memory modes take an outside election, not "
                        + to_string(cfg.mode()));
  auto be = make_backend(cfg);
  if (be)
    use_memory_metadata(*be, std::move(grants));
  return be;
}

std::shared_ptr<blob_storage> local_file_storage() {
  return std::make_shared<file_blob_storage>();
}

} // namespace ha
