#pragma once

// Downloads of the blob store actor. `download` opens the blob and answers
// its size at once; the requester's reads then come from the open file, and
// those in order from offset 0 are hashed as they are served, so that the
// read of the last bytes checks the whole blob against its key (corrupted
// instead of the bytes if it does not match). Checking as it serves, not
// before, lets the store read and hash while the client hashes and writes.

#include <functional>

#include "caf_ha/actors/blob_store_state.hpp"

namespace ha {

caf::result<uint64_t> open_download(blob_store_pointer self,
                                    const job_id& job, const blob_key& key);

caf::result<std::vector<uint8_t>>
read_blob_chunk(blob_store_pointer self, const job_id& job,
                const blob_key& key, uint64_t offset, uint32_t max_len);

/// Closes every download matching `pred` (its blob is being removed).
void end_downloads_if(blob_store_pointer self,
                      const std::function<bool(const download_id&)>& pred);

} // namespace ha
