#pragma once

// Chunked uploads of the blob store actor: each appends to a temporary file
// in its job's directory and hashes as it goes; commit makes it a blob.
// An upload ends on commit, abort, a failed or oversized chunk, its owner's
// end (the owner is monitored) or the idle timeout; ending drops its file.

#include <functional>

#include "caf_ha/actors/blob_store_state.hpp"

namespace ha {

caf::result<uint64_t> open_upload(blob_store_pointer self, const job_id& job,
                                  blob_type type);

caf::result<caf::ok_atom> add_chunk(blob_store_pointer self, uint64_t id,
                                    const std::vector<uint8_t>& bytes);

caf::result<blob_key> commit_upload(blob_store_pointer self, uint64_t id);

/// Ends the upload `id`, if there is one.
void abort_upload(blob_store_pointer self, uint64_t id);

/// Ends every upload matching `pred`.
void end_uploads_if(blob_store_pointer self,
                    const std::function<bool(const upload_state&)>& pred);

/// Ends the uploads idle for the upload timeout; the store's timer.
void expire_uploads(blob_store_pointer self);

} // namespace ha
