#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "caf_ha/backends/blob_storage.hpp"
#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/backends/retrieval_driver.hpp"
#include "caf_ha/messages/ids.hpp"

namespace ha {

/// Everything one mode provides to the actors. Built by `make_backend`, the
/// only place that knows the concrete implementations.
struct backend {
  /// The mode's name as configured (`NONE`, `embedded`, ...).
  std::string mode;
  std::string cluster_id;
  std::shared_ptr<election_driver> election;
  std::shared_ptr<retrieval_driver> retrieval;
  /// Makes the session id of each grant: random v4 UUIDs, or the nil UUID
  /// in mode NONE, where sessions do not exist.
  std::function<session_id()> new_session_id;
  /// Opens one more connection to the cluster's metadata; each store actor
  /// has its own.
  std::function<caf::expected<std::shared_ptr<metadata_store>>()>
    open_metadata;
  /// Removes what `metadata_store::clear` leaves behind (files, nodes), after
  /// every store actor has stopped.
  std::function<caf::error()> remove_all_files;
  /// The blob store's directory and the file I/O beneath it.
  std::string blob_root{};
  std::shared_ptr<blob_storage> blobs{};
  /// None while `blob_root` is the directory opened at start (see
  /// `blob_store_config::verify_root`).
  std::function<caf::error()> verify_blob_root{};
  /// Keeps a directory that lives only as long as the services (blobs of the
  /// memory modes without a storageDir); removes it when released.
  std::shared_ptr<const void> scratch{};
};

} // namespace ha
