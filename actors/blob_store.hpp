#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "caf_ha/backends/blob_storage.hpp"
#include "caf_ha/messages/blob_store.hpp"

namespace ha {

class journal;

namespace ops {
class node_monitor;
} // namespace ops

/// Fills a buffer with random bytes.
using random_source = std::function<caf::error(uint8_t* buf, size_t size)>;

/// Random bytes from libcrypto's CSPRNG; backend_unavailable if it fails.
caf::error secure_random_bytes(uint8_t* buf, size_t size);

/// Names the peer a request comes from, for the per-peer upload limit.
using peer_source = std::function<std::string(const caf::strong_actor_ptr&)>;

/// The sender's node; `anonymous` for a request without a sender.
std::string sender_node(const caf::strong_actor_ptr& sender);

/// What a blob store is spawned with.
struct blob_store_config {
  /// `<storageDir>/<cluster-id>/blob`: the store writes nothing outside it.
  std::string root;
  /// All file I/O goes through it (tests wrap it to inject faults).
  std::shared_ptr<blob_storage> storage;
  /// None while `root` is still the directory the node opened; otherwise
  /// why writes are refused (deleted or replaced under the running node).
  /// Checked before each upload and removal and after each commit. Empty:
  /// nothing is checked.
  std::function<caf::error()> verify_root{};
  /// The largest chunk upload_chunk accepts and read_chunk serves.
  uint32_t max_chunk_size = 8 * default_blob_chunk_size;
  /// An upload that receives no message for this long is abandoned.
  std::chrono::milliseconds upload_timeout = std::chrono::minutes(5);
  /// Open uploads of one peer (the requester's node) at most: each holds a
  /// file descriptor and a temporary file. `ha.blob.max-uploads-per-peer`.
  uint32_t max_uploads_per_peer = 4;
  /// Open uploads of all peers together at most. `ha.blob.max-uploads`.
  uint32_t max_uploads = 64;
  /// The clock of upload timeouts; tests replace it.
  std::function<std::chrono::steady_clock::time_point()> now
    = std::chrono::steady_clock::now;
  /// The random bytes of new keys and upload ids.
  random_source random = secure_random_bytes;
  /// The peer of each upload; the replay gives back the recorded peers.
  peer_source peer_of = sender_node;
  /// Set by `ha.journal.path`: the store records its messages into it.
  std::shared_ptr<journal> message_journal{};
  /// Counts the bytes uploaded and downloaded, if set.
  std::shared_ptr<ops::node_monitor> monitor{};
  /// Run by the replay: scheduled, unlinked, fed its timer messages.
  bool replaying = false;
  /// The only actor whose `cleanup` the store carries out (the services
  /// root, which peers never reach); `spawn_linked_blob_store` sets it to
  /// the parent. Unset: nobody may.
  caf::actor_addr owner{};
};

/// The store's full interface: the protocol plus the timer that ends idle
/// uploads.
using blob_store_impl
  = blob_store_actor::extend<caf::reacts_to<caf::tick_atom>>;

/// The blob store (protocol in
/// messages/blob_store.hpp). Blobs live in `<root>/job_<job-id>/blob_<key>`,
/// files being written in `.tmp-*` files next to them. Every reply to a put
/// or commit comes after the blob is durable. Spawned detached: all of its
/// work is blocking file I/O. Quits on an exit message; open uploads are
/// then dropped.
blob_store_impl spawn_blob_store(caf::actor_system& sys,
                                 blob_store_config cfg);

/// As `spawn_blob_store`, linked to `parent`.
blob_store_impl spawn_linked_blob_store(caf::local_actor* parent,
                                        blob_store_config cfg);

/// Where the blobs of `job` live below `root`.
std::string blob_job_dir(const std::string& root, const job_id& job);

/// Where the blob `key` of `job` lives below `root`.
std::string blob_file_path(const std::string& root, const job_id& job,
                           const blob_key& key);

} // namespace ha
