#pragma once

// Moving files to and from a blob store in bounded chunks over CAF messages,
// so that a client on another host needs no shared disk. The store takes no
// file paths, so in-process callers move files this way too: the files are
// the caller's, read and written in its process. Blocking: call from
// a program's own threads (hactl, a master process's setup), not from inside
// an event-based actor. A transfer fails as soon as the connection to the
// store's node is lost (actors/client/request_watch.hpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/backends/blob_storage.hpp"
#include "caf_ha/messages/blob_store.hpp"

namespace ha {

struct blob_client_options {
  /// Bytes per chunk message; at most the store's chunk limit.
  uint32_t chunk_size = default_blob_chunk_size;
  /// Chunks in flight at once (at least 1): the next is read and hashed
  /// while the store writes or reads the ones before.
  uint32_t window = 4;
  /// The longest one request may take before the transfer fails.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(60);
  /// The local files; a `file_blob_storage` unless set (tests wrap it).
  std::shared_ptr<blob_storage> local;
  /// Called after each chunk with the bytes transferred so far and the
  /// blob's size (from the calling thread), if set.
  std::function<void(uint64_t done, uint64_t total)> progress{};
};

/// Uploads the local file `path` as a blob of `job`; its key once the store
/// has it durably. Checks that the key's hash is the hash of what it read.
/// On any error the store keeps nothing of the upload.
caf::expected<blob_key> upload_file(caf::actor_system& sys,
                                    const blob_store_actor& store,
                                    const job_id& job, blob_type type,
                                    const std::string& path,
                                    const blob_client_options& opts = {});

/// Downloads the blob `key` of `job` to the local file `path`, whose
/// directory must exist: written next to it, checked against the key's hash,
/// fsynced and renamed into place. On any error (corrupted included) nothing
/// is created at `path`.
caf::error download_file(caf::actor_system& sys,
                         const blob_store_actor& store, const job_id& job,
                         const blob_key& key, const std::string& path,
                         const blob_client_options& opts = {});

} // namespace ha
