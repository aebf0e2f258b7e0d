#pragma once

// The blob store actor's state, shared by its two translation units:
// blob_store.cpp (the protocol, downloads, removal) and
// blob_uploads.cpp (chunked uploads). Not for use outside the actor.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <spdlog/logger.h>

#include "caf_ha/actors/blob_store.hpp"
#include "caf_ha/actors/blob_transfer.hpp"
#include "caf_ha/actors/journal/store_journal.hpp"
#include "caf_ha/config/logging.hpp"

namespace ha {

/// A chunked put under way.
struct upload_state {
  job_id job;
  blob_type type;
  std::unique_ptr<blob_writer> writer;
  sha256 hasher;
  uint64_t size = 0;
  /// The actor that opened the upload; its end abandons the upload.
  caf::actor_addr owner;
  /// The owner's node (see `blob_store_config::peer_of`), whose uploads
  /// count against the per-peer limit.
  std::string peer;
  std::chrono::steady_clock::time_point last_active;
};

/// A blob a requester reads: its file stays open, and the bytes served in
/// order from offset 0 are hashed, so that the read of the last bytes can
/// check the whole against the key.
struct download_state {
  std::unique_ptr<blob_reader> reader;
  uint64_t size = 0;
  /// The offset up to which the bytes were hashed.
  uint64_t hashed = 0;
  sha256 hasher;
  /// When it was last read, counted in reads: the oldest goes first.
  uint64_t last_read = 0;
};

/// Who reads which blob.
struct download_id {
  caf::actor_addr reader;
  job_id job;
  blob_key key;

  friend bool operator<(const download_id& x, const download_id& y) {
    return std::tie(x.reader, x.job, x.key) < std::tie(y.reader, y.job, y.key);
  }
};

/// Downloads kept open at once; beyond, the least recently read one closes
/// (its reads then open the file each time, unchecked by the store).
constexpr size_t max_open_downloads = 16;

struct blob_store_state {
  blob_store_config cfg;
  std::map<uint64_t, upload_state> uploads;
  std::map<download_id, download_state> downloads;
  uint64_t reads = 0;
  std::vector<uint8_t> buffer = std::vector<uint8_t>(copy_buffer_size);
  bool tick_pending = false;
  std::shared_ptr<spdlog::logger> logger = ha::logger("store");
  store_journal log;
  /// `cfg.random`, journaling each draw as an input of the store.
  random_source random;
  /// `cfg.peer_of`, journaling each peer as an input of the store.
  peer_source peer_of;

  static inline const char* name = "blob_store";
};

using blob_store_pointer = blob_store_impl::stateful_pointer<blob_store_state>;

/// "blob <key> of job <job>", for messages.
std::string describe_blob(const job_id& job, const blob_key& key);

/// None unless the blob directory is no longer the one the node opened.
caf::error verify_root(const blob_store_state& st);

/// A new temporary file in the job's directory, created if missing.
caf::expected<std::unique_ptr<blob_writer>>
new_blob_file(blob_store_state& st, const job_id& job);

} // namespace ha
