#include "caf_ha/actors/job_result_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/actors/write_batch.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

struct job_result_store_state {
  store_config cfg;
  write_batch batch;
  store_journal log;

  static inline const char* name = "job_result_store";
};

using pointer = job_result_store_impl::stateful_pointer<job_result_store_state>;

/// Answers one of the has_* queries from the job's entry.
template <class Predicate>
caf::result<bool> query(pointer self, const job_id& id, Predicate pred) {
  journal_request(self);
  auto entry = self->state.cfg.store->job_result(id);
  if (!entry)
    return reject(self, std::move(entry.error()));
  return journal_reply(self, pred(*entry));
}

job_result_store_impl::behavior_type job_result_store(pointer self,
                                                      store_config cfg) {
  refuse_unexpected(self, "job_result_store");
  self->state.log.hook = journal_hook{cfg.message_journal,
                                      "job_result_store"};
  self->state.cfg = std::move(cfg);
  using entry_ptr = const std::optional<job_result_entry>&;
  return {
    [self](create_dirty_atom, job_result_entry entry, fencing_token fence)
      -> caf::result<caf::ok_atom> {
      journal_request(self);
      if (!is_valid_result_status(entry.status))
        return reject(self,
                      make_error(errc::invalid_argument,
                                 "invalid job result status '" + entry.status
                                   + "': expected SUCCEEDED, FAILED, "
                                     "CANCELED or UNKNOWN"));
      entry.clean = false;
      return submit_ok(self, create_dirty_result_op{std::move(entry),
                                                    std::move(fence)});
    },
    [self](mark_clean_atom, const job_id& id, fencing_token fence) {
      journal_request(self);
      return submit_ok(self, mark_result_clean_op{id, std::move(fence)});
    },
    [self](has_entry_atom, const job_id& id) {
      return query(self, id, [](entry_ptr e) { return e.has_value(); });
    },
    [self](has_dirty_atom, const job_id& id) {
      return query(self, id, [](entry_ptr e) { return e && !e->clean; });
    },
    [self](has_clean_atom, const job_id& id) {
      return query(self, id, [](entry_ptr e) { return e && e->clean; });
    },
    [self](caf::get_atom, dirty_atom) {
      journal_request(self);
      return reply(self, self->state.cfg.store->job_results(false));
    },
    [self](caf::get_atom, clean_atom) {
      journal_request(self);
      return reply(self, self->state.cfg.store->job_results(true));
    },
    [self](caf::flush_atom) {
      if (from_this_process(self, "flush"))
        flush_batch(self);
    },
  };
}

} // namespace

job_result_store_impl spawn_job_result_store(caf::local_actor* parent,
                                             store_config cfg) {
  return spawn_store<job_result_store_impl>(parent, job_result_store,
                                            std::move(cfg));
}

} // namespace ha
