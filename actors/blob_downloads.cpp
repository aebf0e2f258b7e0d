#include "caf_ha/actors/blob_downloads.hpp"

#include <algorithm>
#include <utility>

#include <caf/actor_cast.hpp>

#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

using pointer = blob_store_pointer;

caf::expected<std::unique_ptr<blob_reader>>
open_blob(blob_store_state& st, const job_id& job, const blob_key& key) {
  auto path = blob_file_path(st.cfg.root, job, key);
  auto reader = st.cfg.storage->open_read(path);
  if (!reader && is(reader.error(), errc::not_found))
    return make_error(errc::not_found,
                      describe_blob(job, key) + " not found (" + path + ")");
  return reader;
}

caf::error check_hash(blob_store_state& st, const job_id& job,
                      const blob_key& key, const sha256::digest& actual) {
  if (actual == key.hash)
    return caf::none;
  auto what = describe_blob(job, key) + " is corrupted: file '"
              + blob_file_path(st.cfg.root, job, key) + "' hashes to "
              + to_hex(actual);
  st.logger->error("{}", what);
  return make_error(errc::corrupted, std::move(what));
}

caf::error cannot_read(const caf::error& err, const job_id& job,
                       const blob_key& key) {
  return with_context(err, "cannot read " + describe_blob(job, key));
}

caf::error beyond_end(uint64_t offset, uint64_t size, const job_id& job,
                      const blob_key& key) {
  return make_error(errc::invalid_argument,
                    "offset " + std::to_string(offset) + " is beyond the "
                      + std::to_string(size) + " bytes of "
                      + describe_blob(job, key));
}

download_id id_of(pointer self, const job_id& job, const blob_key& key) {
  return {caf::actor_cast<caf::actor_addr>(self->current_sender()), job, key};
}

/// Room for one more open download: the least recently read one closes.
void make_room(blob_store_state& st) {
  if (st.downloads.size() < max_open_downloads)
    return;
  auto oldest = std::min_element(st.downloads.begin(), st.downloads.end(),
                                 [](auto& x, auto& y) {
                                   return x.second.last_read
                                          < y.second.last_read;
                                 });
  st.downloads.erase(oldest);
}

/// Up to `max_len` bytes at `offset` of `reader`'s `size` bytes.
caf::expected<std::vector<uint8_t>>
read_at(blob_store_state& st, blob_reader& reader, uint64_t size,
        uint64_t offset, uint32_t max_len, const job_id& job,
        const blob_key& key) {
  if (offset > size)
    return beyond_end(offset, size, job, key);
  auto len = std::min<uint64_t>({max_len, st.cfg.max_chunk_size,
                                 size - offset});
  std::vector<uint8_t> chunk(len);
  auto n = reader.read_at(offset, chunk.data(), chunk.size());
  if (!n)
    return cannot_read(n.error(), job, key);
  chunk.resize(*n);
  return chunk;
}

/// The blob, opened, and its size.
caf::expected<std::pair<std::unique_ptr<blob_reader>, uint64_t>>
open_sized(blob_store_state& st, const job_id& job, const blob_key& key) {
  auto reader = open_blob(st, job, key);
  if (!reader)
    return std::move(reader.error());
  auto size = (*reader)->size();
  if (!size)
    return cannot_read(size.error(), job, key);
  return std::make_pair(std::move(*reader), *size);
}

/// A read by a requester without an open download: from the file, unchecked.
caf::expected<std::vector<uint8_t>>
read_unchecked(blob_store_state& st, const job_id& job, const blob_key& key,
               uint64_t offset, uint32_t max_len) {
  auto blob = open_sized(st, job, key);
  if (!blob)
    return std::move(blob.error());
  return read_at(st, *blob->first, blob->second, offset, max_len, job, key);
}

/// A read of an open download; checks the hash once the bytes served in
/// order reach the end, and then closes the download.
caf::expected<std::vector<uint8_t>>
read_open(blob_store_state& st, std::map<download_id, download_state>::iterator i,
          uint64_t offset, uint32_t max_len) {
  auto& [id, down] = *i;
  auto chunk = read_at(st, *down.reader, down.size, offset, max_len, id.job,
                       id.key);
  if (!chunk) {
    st.downloads.erase(i);
    return chunk;
  }
  down.last_read = ++st.reads;
  if (offset == down.hashed) {
    down.hasher.update(chunk->data(), chunk->size());
    down.hashed += chunk->size();
  }
  if (down.hashed < down.size)
    return chunk;
  auto digest = down.hasher.finish();
  auto job = id.job;
  auto key = id.key;
  st.downloads.erase(i);
  if (auto err = check_hash(st, job, key, digest))
    return err;
  return chunk;
}

} // namespace

caf::result<uint64_t> open_download(pointer self, const job_id& job,
                                    const blob_key& key) {
  auto& st = self->state;
  auto blob = open_sized(st, job, key);
  if (!blob)
    return std::move(blob.error());
  auto& [reader, size] = *blob;
  if (size == 0) {
    // No read will follow: the empty content is checked now.
    if (auto err = check_hash(st, job, key, sha256{}.finish()))
      return err;
    return uint64_t{0};
  }
  auto id = id_of(self, job, key);
  st.downloads.erase(id);
  make_room(st);
  st.downloads.emplace(id, download_state{std::move(reader), size, 0, {},
                                          ++st.reads});
  return size;
}

caf::result<std::vector<uint8_t>>
read_blob_chunk(pointer self, const job_id& job, const blob_key& key,
                uint64_t offset, uint32_t max_len) {
  auto& st = self->state;
  if (max_len == 0)
    return make_error(errc::invalid_argument,
                      "cannot read a chunk of 0 bytes of "
                        + describe_blob(job, key));
  auto i = st.downloads.find(id_of(self, job, key));
  auto chunk = i == st.downloads.end()
                 ? read_unchecked(st, job, key, offset, max_len)
                 : read_open(st, i, offset, max_len);
  if (!chunk)
    return std::move(chunk.error());
  if (st.cfg.monitor)
    st.cfg.monitor->blob_bytes_out(chunk->size());
  return std::move(*chunk);
}

void end_downloads_if(pointer self,
                      const std::function<bool(const download_id&)>& pred) {
  auto& downloads = self->state.downloads;
  for (auto i = downloads.begin(); i != downloads.end();)
    i = pred(i->first) ? downloads.erase(i) : std::next(i);
}

} // namespace ha
