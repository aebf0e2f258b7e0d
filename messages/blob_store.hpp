#pragma once

// The blob store's protocol: content-addressed
// blobs per job, moved only as bounded chunks over CAF messages. No message
// names a file: every peer is a stranger, and a path would let it read or
// overwrite any file of the store's host. A client moves its own files
// (actors/client/blob_client.hpp). Errors are errc values whose one-line context
// names the job, the key, the upload or the value at fault.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/ids.hpp"

namespace ha {

/// Permanent blobs live until removed; transient ones are meant for a single
/// hand-over. The store keeps both alike: the type is part of the key so
/// that callers can apply their own retention.
enum class blob_type : uint8_t { permanent, transient };

std::string to_string(blob_type x);

/// Names one stored blob. Equal content put twice gets two keys that differ
/// in `random`, so removing one never removes the other.
struct blob_key {
  blob_type type = blob_type::permanent;
  /// SHA-256 of the content.
  std::array<uint8_t, 32> hash{};
  std::array<uint8_t, 16> random{};

  friend bool operator==(const blob_key& x, const blob_key& y) {
    return x.type == y.type && x.hash == y.hash && x.random == y.random;
  }
  friend bool operator!=(const blob_key& x, const blob_key& y) {
    return !(x == y);
  }
  friend bool operator<(const blob_key& x, const blob_key& y) {
    if (x.hash != y.hash)
      return x.hash < y.hash;
    if (x.random != y.random)
      return x.random < y.random;
    return x.type < y.type;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, blob_key& x) {
  return f(caf::meta::type_name("blob_key"), x.type, x.hash, x.random);
}

/// `p-<64 hex: hash>-<32 hex: random>`, or `t-...` for transient blobs.
std::string to_string(const blob_key& x);

/// Parses the form of `to_string` (hex digits in either case); nullopt on
/// anything else.
std::optional<blob_key> parse_blob_key(const std::string& str);

/// Lowercase hex of a SHA-256 digest, for messages that name a hash.
std::string to_hex(const std::array<uint8_t, 32>& hash);

// -- atoms --------------------------------------------------------------------

using upload_atom = caf::atom_constant<caf::atom("upload")>;
using upload_chunk_atom = caf::atom_constant<caf::atom("up_chunk")>;
using upload_commit_atom = caf::atom_constant<caf::atom("up_commit")>;
using upload_abort_atom = caf::atom_constant<caf::atom("up_abort")>;
using download_atom = caf::atom_constant<caf::atom("download")>;
using read_chunk_atom = caf::atom_constant<caf::atom("read_chunk")>;
/// closeAndCleanupAllData, for the blob store and the services root alike.
using cleanup_atom = caf::atom_constant<caf::atom("cleanup")>;

/// The size a client sends or asks for per chunk unless told otherwise.
constexpr uint32_t default_blob_chunk_size = 1024 * 1024;

// -- interface ----------------------------------------------------------------

/// The seed's BlobStore / BlobServer. Every acknowledged commit is durable
/// (fsynced file and directory) before the reply; a reader sees a whole blob
/// or none. What a requester reads in order after a download is checked
/// against the key's hash as it is served (see read_chunk); a reader checks
/// the whole itself. Chunks of an upload may be pipelined: one sender's
/// chunks arrive in the order sent.
/// A blob type other than permanent or transient, in a request or a key, is
/// invalid_argument.
using blob_store_actor = caf::typed_actor<
  // upload(job, type): starts a chunked put; the upload id. The upload is
  // abandoned (and its partial data deleted) when the requesting actor
  // terminates, on upload_abort, or after the store's idle timeout.
  // limit_reached, creating nothing, while the requester's node (a peer)
  // or all peers together hold the store's maximum of open uploads.
  caf::replies_to<upload_atom, job_id, blob_type>::with<uint64_t>,
  // upload_chunk(id, bytes): appends; invalid_argument if the chunk is
  // larger than the store's limit (which ends the upload), not_found for an
  // unknown or abandoned upload.
  caf::replies_to<upload_chunk_atom, uint64_t, std::vector<uint8_t>>::with<
    caf::ok_atom>,
  // upload_commit(id): stores what was uploaded, durably; the new key.
  // The upload ends either way.
  caf::replies_to<upload_commit_atom, uint64_t>::with<blob_key>,
  // upload_abort(id): drops an upload; unknown ids are fine.
  caf::replies_to<upload_abort_atom, uint64_t>::with<caf::ok_atom>,
  // download(job, key): opens the blob for the requester; its size.
  // not_found if absent; corrupted for an empty blob whose key is not the
  // hash of nothing.
  caf::replies_to<download_atom, job_id, blob_key>::with<uint64_t>,
  // read_chunk(job, key, offset, max_len): up to max_len bytes at offset
  // (fewer only at the end, or when max_len exceeds the store's chunk
  // limit; none at offset == size). invalid_argument for max_len 0 or an
  // offset beyond the size. After a download, the store hashes the bytes it
  // serves the requester in order from offset 0: the read that reaches the
  // end fails with corrupted if the content does not match the key. It
  // keeps at most 16 downloads open (the least recently read closes); reads
  // without an open download, or out of order, are served as stored. So a
  // client checks the hash of the whole itself, as blob_client does. Reads
  // may be pipelined: answers come in the order of the requests.
  caf::replies_to<read_chunk_atom, job_id, blob_key, uint64_t,
                  uint32_t>::with<std::vector<uint8_t>>,
  // delete(job, key): removes one blob durably; absent is fine.
  caf::replies_to<caf::delete_atom, job_id, blob_key>::with<caf::ok_atom>,
  // delete(job): removes every blob of the job; other jobs keep theirs.
  caf::replies_to<caf::delete_atom, job_id>::with<caf::ok_atom>,
  // cleanup: closeAndCleanupAllData for blobs: drops open uploads and
  // deletes this cluster's whole blob directory, nothing outside it. Only
  // the store's owner (the services root) may: permission_denied for
  // everyone else.
  caf::replies_to<cleanup_atom>::with<caf::ok_atom>>;

/// Registers the blob store's types with `cfg` (blob_key, blob_type, the
/// chunk type std::vector<uint8_t> and blob_store_actor). Idempotent.
void register_blob_types(caf::actor_system_config& cfg);

} // namespace ha
