#include "caf_ha/actors/blob_uploads.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/send_later.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// The longest wait for the next tick, so that an idle upload is noticed
/// within a second of its timeout.
constexpr auto max_tick_interval = std::chrono::seconds(1);

void schedule_tick(blob_store_pointer self) {
  auto& st = self->state;
  // A replay feeds the recorded ticks itself.
  if (st.tick_pending || st.uploads.empty() || st.cfg.replaying)
    return;
  st.tick_pending = true;
  auto interval = std::min<caf::timespan>(st.cfg.upload_timeout,
                                          max_tick_interval);
  send_later(self, interval, caf::make_message(caf::tick_atom::value));
}

bool owns_uploads(blob_store_state& st, const caf::actor_addr& owner) {
  return std::any_of(st.uploads.begin(), st.uploads.end(),
                     [&](auto& kvp) { return kvp.second.owner == owner; });
}

/// Drops an upload and its partial file.
void end_upload(blob_store_pointer self,
                std::map<uint64_t, upload_state>::iterator i) {
  auto& st = self->state;
  auto owner = i->second.owner;
  st.uploads.erase(i);
  if (owner && !owns_uploads(st, owner))
    self->demonitor(owner);
}

/// limit_reached if a new upload of `peer` would exceed a limit; the
/// message names the limit and its configuration key.
caf::error check_limits(const blob_store_state& st, const std::string& peer) {
  auto limit = [](const char* what, uint32_t n, const char* key) {
    return make_error(errc::limit_reached,
                      std::string{"too many open uploads "} + what + " ("
                        + std::to_string(n) + ", " + key + ")");
  };
  auto of_peer = std::count_if(
    st.uploads.begin(), st.uploads.end(),
    [&](auto& kvp) { return kvp.second.peer == peer; });
  if (static_cast<uint64_t>(of_peer) >= st.cfg.max_uploads_per_peer)
    return limit("from this peer", st.cfg.max_uploads_per_peer,
                 "ha.blob.max-uploads-per-peer");
  if (st.uploads.size() >= st.cfg.max_uploads)
    return limit("in all", st.cfg.max_uploads, "ha.blob.max-uploads");
  return caf::none;
}

caf::error unknown_upload(uint64_t id) {
  return make_error(errc::not_found,
                    "upload " + std::to_string(id)
                      + " is unknown: never opened, committed, aborted or "
                        "abandoned");
}

} // namespace

caf::result<uint64_t> open_upload(blob_store_pointer self, const job_id& job,
                                  blob_type type) {
  auto& st = self->state;
  auto context = "cannot start an upload for job " + to_string(job);
  // Checked before anything is created: a refused upload costs no file.
  auto peer = st.peer_of(self->current_sender());
  if (auto err = check_limits(st, peer))
    return with_context(err, context);
  auto writer = new_blob_file(st, job);
  if (!writer)
    return with_context(writer.error(), context);
  auto id = new_upload_id(st.random);
  if (!id)
    return std::move(id.error());
  while (*id == 0 || st.uploads.count(*id) > 0)
    ++*id;
  // Anonymous senders have no end to watch; the idle timeout covers them.
  caf::actor_addr owner;
  if (auto sender = caf::actor_cast<caf::actor>(self->current_sender())) {
    owner = sender.address();
    if (!owns_uploads(st, owner))
      self->monitor(sender);
  }
  st.uploads.emplace(*id, upload_state{job, type, std::move(*writer), {}, 0,
                                       owner, std::move(peer),
                                       st.cfg.now()});
  schedule_tick(self);
  return *id;
}

caf::result<caf::ok_atom> add_chunk(blob_store_pointer self, uint64_t id,
                                    const std::vector<uint8_t>& bytes) {
  auto& st = self->state;
  auto i = st.uploads.find(id);
  if (i == st.uploads.end())
    return unknown_upload(id);
  if (bytes.size() > st.cfg.max_chunk_size) {
    end_upload(self, i);
    return make_error(errc::invalid_argument,
                      "chunk of " + std::to_string(bytes.size())
                        + " bytes exceeds the limit of "
                        + std::to_string(st.cfg.max_chunk_size)
                        + " bytes; upload " + std::to_string(id)
                        + " abandoned");
  }
  auto& up = i->second;
  if (auto err = up.writer->append(bytes.data(), bytes.size())) {
    end_upload(self, i);
    return with_context(err, "upload " + std::to_string(id) + " failed");
  }
  up.hasher.update(bytes.data(), bytes.size());
  up.size += bytes.size();
  up.last_active = st.cfg.now();
  if (st.cfg.monitor)
    st.cfg.monitor->blob_bytes_in(bytes.size());
  return caf::ok_atom::value;
}

caf::result<blob_key> commit_upload(blob_store_pointer self, uint64_t id) {
  auto& st = self->state;
  auto i = st.uploads.find(id);
  if (i == st.uploads.end())
    return unknown_upload(id);
  auto& up = i->second;
  auto job = up.job;
  auto size = up.size;
  auto key = new_blob_key(up.type, up.hasher.finish(), st.random);
  caf::error err;
  if (!key)
    err = std::move(key.error());
  else
    err = commit_durably(*up.writer, blob_file_name(*key));
  // A blob committed into a directory deleted meanwhile is lost: no ack.
  if (!err)
    err = verify_root(st);
  end_upload(self, i);
  if (err)
    return with_context(err, "cannot store upload " + std::to_string(id)
                               + " for job " + to_string(job));
  st.logger->debug("stored {} ({} bytes, uploaded)", describe_blob(job, *key),
                size);
  return *key;
}

void abort_upload(blob_store_pointer self, uint64_t id) {
  auto i = self->state.uploads.find(id);
  if (i != self->state.uploads.end())
    end_upload(self, i);
}

void end_uploads_if(blob_store_pointer self,
                    const std::function<bool(const upload_state&)>& pred) {
  auto& uploads = self->state.uploads;
  for (auto i = uploads.begin(); i != uploads.end();) {
    auto next = std::next(i);
    if (pred(i->second))
      end_upload(self, i);
    i = next;
  }
}

void expire_uploads(blob_store_pointer self) {
  auto& st = self->state;
  st.tick_pending = false;
  auto deadline = st.cfg.now() - st.cfg.upload_timeout;
  // Only a tick that ends an upload is journaled: the others change
  // nothing a replay could see.
  auto journaled = false;
  end_uploads_if(self, [&](const upload_state& up) {
    if (up.last_active > deadline)
      return false;
    if (!std::exchange(journaled, true))
      journal_request(self);
    st.logger->info("abandoned an idle upload for job {} ({} bytes received)",
                 to_string(up.job), up.size);
    return true;
  });
  schedule_tick(self);
}

} // namespace ha
