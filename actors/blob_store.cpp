#include "caf_ha/actors/blob_store.hpp"

#include <algorithm>
#include <filesystem>

#include <caf/actor_control_block.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/blob_downloads.hpp"
#include "caf_ha/actors/blob_store_state.hpp"
#include "caf_ha/actors/blob_uploads.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/actors/store_config.hpp"
#include "caf_ha/actors/journal/store_journal.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/hex.hpp"

namespace ha {

namespace {

namespace fs = std::filesystem;

using pointer = blob_store_pointer;

// -- removal ------------------------------------------------------------------

caf::result<caf::ok_atom> remove_blob(pointer self, const job_id& job,
                                      const blob_key& key) {
  auto& st = self->state;
  auto path = blob_file_path(st.cfg.root, job, key);
  end_downloads_if(self, [&](const download_id& down) {
    return down.job == job && down.key == key;
  });
  if (auto err = verify_root(st))
    return with_context(err, "cannot remove " + describe_blob(job, key));
  if (auto err = st.cfg.storage->remove(path))
    return with_context(err, "cannot remove " + describe_blob(job, key));
  return caf::ok_atom::value;
}

caf::result<caf::ok_atom> remove_job(pointer self, const job_id& job) {
  auto& st = self->state;
  end_uploads_if(self, [&](const upload_state& up) { return up.job == job; });
  end_downloads_if(self,
                   [&](const download_id& down) { return down.job == job; });
  if (auto err = verify_root(st))
    return with_context(err, "cannot remove the blobs of job "
                               + to_string(job));
  if (auto err = st.cfg.storage->remove_all(blob_job_dir(st.cfg.root, job)))
    return with_context(err, "cannot remove the blobs of job "
                               + to_string(job));
  st.logger->info("removed all blobs of job {}", to_string(job));
  return caf::ok_atom::value;
}

caf::result<caf::ok_atom> remove_everything(pointer self) {
  auto& st = self->state;
  end_uploads_if(self, [](const upload_state&) { return true; });
  end_downloads_if(self, [](const download_id&) { return true; });
  if (auto err = st.cfg.storage->remove_all(st.cfg.root))
    return with_context(err, "cannot remove the blob directory");
  st.logger->info("removed the blob directory {}", st.cfg.root);
  return caf::ok_atom::value;
}

/// `cfg.random`, with every draw journaled as an input (`in random`): the
/// replay hands the recorded bytes back, so that keys and upload ids match.
random_source journaled_random(pointer self) {
  return [self](uint8_t* buf, size_t size) {
    auto& st = self->state;
    auto err = st.cfg.random(buf, size);
    if (!err && st.log.hook.active()) {
      std::string bytes;
      hex::append(bytes, buf, size);
      st.log.hook.in("random", "random", {{"bytes", std::move(bytes)}});
    }
    return err;
  };
}

/// `cfg.peer_of`, with every peer journaled as an input (`in peer`): the
/// replay's stand-ins all live on its own node, so it hands the recorded
/// peers back instead.
peer_source journaled_peer(pointer self) {
  return [self](const caf::strong_actor_ptr& sender) {
    auto& st = self->state;
    auto peer = st.cfg.peer_of(sender);
    if (st.log.hook.active())
      st.log.hook.in("peer", "peer", {{"node", peer}});
    return peer;
  };
}

/// Journals the request being handled, handles it with `f` and journals
/// the answer.
template <class F>
auto journaled(pointer self, F f) {
  journal_request(self);
  return journal_result(self, f());
}

/// Journals the request being handled and answers it with `err` if set,
/// else with `f()`: for requests whose arguments fail validation.
template <class F>
auto journaled(pointer self, caf::error err, F f) {
  return journaled(self, [&]() -> decltype(f()) {
    if (err)
      return err;
    return f();
  });
}

/// Deleting every blob of the cluster is the services root's to ask: a
/// peer holding the store's handle may remove blobs one job at a time.
caf::error check_owner(pointer self) {
  auto& owner = self->state.cfg.owner;
  if (owner && self->current_sender() != nullptr
      && self->current_sender()->address() == owner)
    return caf::none;
  return make_error(errc::permission_denied,
                    "only the services root may clean up the blob store");
}

caf::error check_type(blob_type type) {
  if (type == blob_type::permanent || type == blob_type::transient)
    return caf::none;
  return make_error(errc::invalid_argument,
                    "unknown blob type "
                      + std::to_string(static_cast<int>(type))
                      + ": expected permanent or transient");
}

blob_store_impl::behavior_type blob_store(pointer self,
                                          blob_store_config cfg) {
  refuse_unexpected(self, "blob_store");
  self->state.log.hook = journal_hook{cfg.message_journal, "blob_store"};
  // The root appears in error messages; the replay, which runs in another
  // directory, puts it back in its own messages. The limits decide which
  // uploads are refused, so the replay applies the recorded ones.
  if (self->state.log.hook.active())
    self->state.log.hook.in(
      "parent", "config",
      {{"root", cfg.root},
       {"max_uploads_per_peer", std::to_string(cfg.max_uploads_per_peer)},
       {"max_uploads", std::to_string(cfg.max_uploads)}});
  self->state.cfg = std::move(cfg);
  self->state.random = journaled_random(self);
  self->state.peer_of = journaled_peer(self);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& log = self->state.log;
    if (log.hook.active())
      log.hook.in(log.hook.name(msg.source, "client"), "down");
    end_uploads_if(self, [&](const upload_state& up) {
      return up.owner == msg.source;
    });
  });
  return {
    [self](upload_atom, const job_id& job, blob_type type) {
      return journaled(self, check_type(type),
                       [&] { return open_upload(self, job, type); });
    },
    [self](upload_chunk_atom, uint64_t id, const std::vector<uint8_t>& bytes) {
      return journaled(self, [&] { return add_chunk(self, id, bytes); });
    },
    [self](upload_commit_atom, uint64_t id) {
      return journaled(self, [&] { return commit_upload(self, id); });
    },
    [self](upload_abort_atom, uint64_t id) {
      return journaled(self, [&]() -> caf::result<caf::ok_atom> {
        abort_upload(self, id);
        return caf::ok_atom::value;
      });
    },
    [self](download_atom, const job_id& job, const blob_key& key) {
      return journaled(self, check_type(key.type),
                       [&] { return open_download(self, job, key); });
    },
    [self](read_chunk_atom, const job_id& job, const blob_key& key,
           uint64_t offset, uint32_t max_len) {
      return journaled(self, check_type(key.type), [&] {
        return read_blob_chunk(self, job, key, offset, max_len);
      });
    },
    [self](caf::delete_atom, const job_id& job, const blob_key& key) {
      return journaled(self, check_type(key.type),
                       [&] { return remove_blob(self, job, key); });
    },
    [self](caf::delete_atom, const job_id& job) {
      return journaled(self, [&] { return remove_job(self, job); });
    },
    [self](cleanup_atom) {
      return journaled(self, check_owner(self),
                       [&] { return remove_everything(self); });
    },
    [self](caf::tick_atom) {
      if (from_this_process(self, "tick"))
        expire_uploads(self);
    },
  };
}

} // namespace

std::string sender_node(const caf::strong_actor_ptr& sender) {
  return sender ? caf::to_string(sender->node()) : "anonymous";
}

std::string describe_blob(const job_id& job, const blob_key& key) {
  return "blob " + to_string(key) + " of job " + to_string(job);
}

caf::error verify_root(const blob_store_state& st) {
  return st.cfg.verify_root ? st.cfg.verify_root() : caf::none;
}

caf::expected<std::unique_ptr<blob_writer>>
new_blob_file(blob_store_state& st, const job_id& job) {
  // Checked first: make_dirs would otherwise recreate a deleted root.
  if (auto err = verify_root(st))
    return err;
  auto dir = blob_job_dir(st.cfg.root, job);
  if (auto err = st.cfg.storage->make_dirs(dir))
    return err;
  return st.cfg.storage->create(dir);
}

std::string blob_job_dir(const std::string& root, const job_id& job) {
  return (fs::path{root} / ("job_" + to_string(job))).string();
}

std::string blob_file_path(const std::string& root, const job_id& job,
                           const blob_key& key) {
  return (fs::path{blob_job_dir(root, job)} / blob_file_name(key)).string();
}

blob_store_impl spawn_blob_store(caf::actor_system& sys,
                                 blob_store_config cfg) {
  return sys.spawn<caf::detached>(blob_store, std::move(cfg));
}

blob_store_impl spawn_linked_blob_store(caf::local_actor* parent,
                                        blob_store_config cfg) {
  if (!cfg.owner)
    cfg.owner = parent->address();
  return spawn_store<blob_store_impl>(parent, blob_store, std::move(cfg));
}

} // namespace ha
