#pragma once

// What the blob store and the blob client share: streaming a file through
// the hasher, publishing a written file durably, new keys, file names.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "caf_ha/actors/blob_store.hpp"
#include "caf_ha/actors/sha256.hpp"
#include "caf_ha/backends/blob_storage.hpp"
#include "caf_ha/messages/blob_store.hpp"

namespace ha {

/// The buffer of one copy step: large enough to stream at disk speed.
constexpr size_t copy_buffer_size = 1024 * 1024;

/// Reads `reader` to its end through `hasher`, appending to `writer` unless
/// it is null; the number of bytes. `buffer` must not be empty.
caf::expected<uint64_t> copy_and_hash(blob_reader& reader,
                                      blob_writer* writer, sha256& hasher,
                                      std::vector<uint8_t>& buffer);

/// Makes the written file durable under `name` in its directory: sync, then
/// commit. On an error nothing is left under `name`.
caf::error commit_durably(blob_writer& writer, const std::string& name);

/// A key for content of hash `hash`, with 16 fresh random bytes from
/// `random`, so that keys are unique across processes.
caf::expected<blob_key> new_blob_key(blob_type type,
                                     const sha256::digest& hash,
                                     const random_source& random);

/// A random upload id, so that ids of an earlier incarnation of the store
/// do not name a new upload.
caf::expected<uint64_t> new_upload_id(const random_source& random);

/// `blob_<key>`: the name of a stored blob's file.
std::string blob_file_name(const blob_key& key);

/// `err` with `context: ` before its message, keeping its errc.
caf::error with_context(const caf::error& err, const std::string& context);

} // namespace ha
