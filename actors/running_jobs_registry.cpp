#include "caf_ha/actors/running_jobs_registry.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/actors/write_batch.hpp"

namespace ha {

namespace {

struct registry_state {
  store_config cfg;
  write_batch batch;
  store_journal log;

  static inline const char* name = "running_jobs_registry";
};

using pointer = running_jobs_registry_impl::stateful_pointer<registry_state>;

running_jobs_registry_impl::behavior_type registry(pointer self,
                                                   store_config cfg) {
  refuse_unexpected(self, "running_jobs_registry");
  self->state.log.hook = journal_hook{cfg.message_journal,
                                      "running_jobs_registry"};
  self->state.cfg = std::move(cfg);
  return {
    [self](set_running_atom, const job_id& id, fencing_token fence) {
      journal_request(self);
      return submit_ok(self, set_scheduling_status_op{
                               id, scheduling_status::running,
                               std::move(fence)});
    },
    [self](set_finished_atom, const job_id& id, fencing_token fence) {
      journal_request(self);
      return submit_ok(self, set_scheduling_status_op{
                               id, scheduling_status::done, std::move(fence)});
    },
    [self](caf::get_atom, const job_id& id) {
      journal_request(self);
      return reply(self, self->state.cfg.store->get_scheduling_status(id));
    },
    [self](caf::flush_atom) {
      if (from_this_process(self, "flush"))
        flush_batch(self);
    },
  };
}

} // namespace

running_jobs_registry_impl
spawn_running_jobs_registry(caf::local_actor* parent, store_config cfg) {
  return spawn_store<running_jobs_registry_impl>(parent, registry,
                                                 std::move(cfg));
}

} // namespace ha
