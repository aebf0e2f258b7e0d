#include "caf_ha/actors/client/blob_client.hpp"

#include <algorithm>
#include <deque>
#include <filesystem>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "caf_ha/actors/blob_transfer.hpp"
#include "caf_ha/actors/client/request_watch.hpp"
#include "caf_ha/backends/factory.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

namespace fs = std::filesystem;

/// One request to the store from `self`, awaited; fails at once when the
/// connection to the store's node is lost.
template <class R, class... Ts>
caf::expected<R> ask(caf::scoped_actor& self, const blob_store_actor& store,
                     const blob_client_options& opts, Ts&&... xs) {
  return watched_request<R>(self, store, opts.request_timeout,
                            std::forward<Ts>(xs)...);
}

std::shared_ptr<blob_storage> local_files(const blob_client_options& opts) {
  if (opts.local)
    return opts.local;
  return local_file_storage();
}

caf::error check_chunk_size(const blob_client_options& opts) {
  if (opts.chunk_size > 0)
    return caf::none;
  return make_error(errc::invalid_argument, "a chunk size of 0 bytes");
}

/// Sends the file in chunks to upload `id`, `opts.window` in flight; the
/// hash of what was sent.
caf::expected<sha256::digest>
send_chunks(caf::scoped_actor& self, const blob_store_actor& store,
            uint64_t id, blob_reader& reader, const blob_client_options& opts) {
  sha256 hasher;
  auto total = reader.size();
  if (!total)
    return std::move(total.error());
  request_window<caf::ok_atom, blob_store_actor> window{
    self, store, opts.request_timeout, opts.window};
  std::deque<size_t> sizes;
  uint64_t acked = 0;
  auto await_oldest = [&]() -> caf::error {
    auto ok = window.receive();
    if (!ok)
      return std::move(ok.error());
    acked += sizes.front();
    sizes.pop_front();
    if (opts.progress)
      opts.progress(acked, std::max(acked, *total));
    return caf::none;
  };
  for (;;) {
    std::vector<uint8_t> chunk(opts.chunk_size);
    auto n = reader.read(chunk.data(), chunk.size());
    if (!n)
      return std::move(n.error());
    if (*n == 0)
      break;
    chunk.resize(*n);
    hasher.update(chunk.data(), chunk.size());
    if (window.full())
      if (auto err = await_oldest())
        return err;
    window.send(upload_chunk_atom::value, id, std::move(chunk));
    sizes.push_back(*n);
  }
  while (!window.empty())
    if (auto err = await_oldest())
      return err;
  return hasher.finish();
}

/// Removes a blob whose key does not match what was sent.
caf::error reject_altered(caf::scoped_actor& self,
                          const blob_store_actor& store, const job_id& job,
                          const blob_key& key, const sha256::digest& sent,
                          const blob_client_options& opts) {
  ask<caf::ok_atom>(self, store, opts, caf::delete_atom::value, job, key);
  return make_error(errc::corrupted,
                    "the store hashed the upload to " + to_hex(key.hash)
                      + " but the file hashes to " + to_hex(sent));
}

caf::error ended_early(uint64_t offset, uint64_t size) {
  return make_error(errc::corrupted, "the blob ended after "
                                       + std::to_string(offset) + " of "
                                       + std::to_string(size) + " bytes");
}

/// Receives the blob's `size` bytes into `writer`, `opts.window` reads in
/// flight; their hash.
caf::expected<sha256::digest>
receive_chunks(caf::scoped_actor& self, const blob_store_actor& store,
               const job_id& job, const blob_key& key, uint64_t size,
               blob_writer& writer, const blob_client_options& opts) {
  request_window<std::vector<uint8_t>, blob_store_actor> window{
    self, store, opts.request_timeout, opts.window};
  sha256 hasher;
  uint32_t ask = opts.chunk_size;
  std::deque<uint64_t> asked_at;
  uint64_t next = 0;
  uint64_t offset = 0;
  while (offset < size) {
    for (; !window.full() && next < size; next += ask) {
      window.send(read_chunk_atom::value, job, key, next, ask);
      asked_at.push_back(next);
    }
    auto chunk = window.receive();
    auto at = asked_at.front();
    asked_at.pop_front();
    if (!chunk)
      return std::move(chunk.error());
    if (at != offset)
      continue; // asked for before a short chunk moved the offsets
    if (chunk->empty())
      return ended_early(offset, size);
    if (chunk->size() > size - offset)
      return make_error(errc::corrupted,
                        "the store sent more than the blob's "
                          + std::to_string(size) + " bytes");
    hasher.update(chunk->data(), chunk->size());
    if (auto err = writer.append(chunk->data(), chunk->size()))
      return err;
    offset += chunk->size();
    if (chunk->size() < ask && offset < size) {
      // The store serves smaller chunks: ask for its size from here on.
      ask = static_cast<uint32_t>(chunk->size());
      next = offset;
    }
    if (opts.progress)
      opts.progress(offset, size);
  }
  return hasher.finish();
}

} // namespace

caf::expected<blob_key> upload_file(caf::actor_system& sys,
                                    const blob_store_actor& store,
                                    const job_id& job, blob_type type,
                                    const std::string& path,
                                    const blob_client_options& opts) {
  auto context = "cannot upload '" + path + "' for job " + to_string(job);
  if (auto err = check_chunk_size(opts))
    return with_context(err, context);
  auto reader = local_files(opts)->open_read(path);
  if (!reader)
    return with_context(reader.error(), context);
  // The store watches this actor: should the client die mid-way, the store
  // drops the partial upload.
  caf::scoped_actor self{sys};
  auto id = ask<uint64_t>(self, store, opts, upload_atom::value, job, type);
  if (!id)
    return with_context(id.error(), context);
  auto sent = send_chunks(self, store, *id, **reader, opts);
  if (!sent) {
    ask<caf::ok_atom>(self, store, opts, upload_abort_atom::value, *id);
    return with_context(sent.error(), context);
  }
  auto key = ask<blob_key>(self, store, opts, upload_commit_atom::value, *id);
  if (!key)
    return with_context(key.error(), context);
  if (key->hash != *sent)
    return with_context(reject_altered(self, store, job, *key, *sent, opts),
                        context);
  return key;
}

caf::error download_file(caf::actor_system& sys,
                         const blob_store_actor& store, const job_id& job,
                         const blob_key& key, const std::string& path,
                         const blob_client_options& opts) {
  auto context = "cannot download blob " + to_string(key) + " of job "
                 + to_string(job) + " to '" + path + "'";
  if (auto err = check_chunk_size(opts))
    return with_context(err, context);
  fs::path target{path};
  if (!target.has_filename())
    return make_error(errc::invalid_argument,
                      context + ": not a path to a file");
  caf::scoped_actor self{sys};
  auto size = ask<uint64_t>(self, store, opts, download_atom::value, job,
                            key);
  if (!size)
    return with_context(size.error(), context);
  auto dir = target.parent_path().empty() ? fs::path{"."}
                                          : target.parent_path();
  auto writer = local_files(opts)->create(dir.string());
  if (!writer)
    return with_context(writer.error(), context);
  // On every early return the writer's destructor drops the partial file.
  auto received = receive_chunks(self, store, job, key, *size, **writer,
                                 opts);
  if (!received)
    return with_context(received.error(), context);
  if (*received != key.hash)
    return make_error(errc::corrupted,
                      context + ": the received content hashes to "
                        + to_hex(*received));
  if (auto err = commit_durably(**writer, target.filename().string()))
    return with_context(err, context);
  return caf::none;
}

} // namespace ha
