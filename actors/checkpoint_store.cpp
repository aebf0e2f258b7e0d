#include "caf_ha/actors/checkpoint_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/peer_checks.hpp"
#include "caf_ha/actors/write_batch.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

struct checkpoint_state {
  store_config cfg;
  write_batch batch;
  store_journal log;

  static inline const char* name = "checkpoint_store";
};

using pointer = checkpoint_store_impl::stateful_pointer<checkpoint_state>;
using checkpoint_list = std::vector<completed_checkpoint>;

checkpoint_store_impl::behavior_type checkpoint_store(pointer self,
                                                      store_config cfg) {
  refuse_unexpected(self, "checkpoint_store");
  self->state.log.hook = journal_hook{cfg.message_journal,
                                      "checkpoint_store"};
  self->state.cfg = std::move(cfg);
  return {
    [self](caf::add_atom, completed_checkpoint checkpoint,
           uint32_t max_retained,
           fencing_token fence) -> caf::result<checkpoint_list> {
      journal_request(self);
      if (max_retained == 0)
        return reject(self, make_error(errc::invalid_argument,
                                       "max_retained must be at least 1 (job "
                                         + to_string(checkpoint.job) + ")"));
      return submit<checkpoint_list>(
        self,
        add_checkpoint_op{std::move(checkpoint), max_retained,
                          std::move(fence), {}},
        [](const add_checkpoint_op& op) { return op.subsumed; });
    },
    [self](caf::get_atom, const job_id& job) {
      journal_request(self);
      return reply(self, self->state.cfg.store->checkpoints(job));
    },
    [self](next_id_atom, const job_id& job, fencing_token fence) {
      journal_request(self);
      return submit<uint64_t>(self,
                              increment_counter_op{job, std::move(fence), 0},
                              [](const increment_counter_op& op) {
                                return op.value;
                              });
    },
    [self](caf::get_atom, counter_atom, const job_id& job) {
      journal_request(self);
      return reply(self, self->state.cfg.store->counter(job));
    },
    [self](set_count_atom, const job_id& job, uint64_t value,
           fencing_token fence) {
      journal_request(self);
      return submit_ok(self, set_counter_op{job, value, std::move(fence)});
    },
    [self](shutdown_atom, const job_id& job, job_status status,
           fencing_token fence) {
      journal_request(self);
      return submit_ok(self,
                       shutdown_checkpoints_op{job, status, std::move(fence)});
    },
    [self](caf::flush_atom) {
      if (from_this_process(self, "flush"))
        flush_batch(self);
    },
  };
}

} // namespace

checkpoint_store_impl spawn_checkpoint_store(caf::local_actor* parent,
                                             store_config cfg) {
  return spawn_store<checkpoint_store_impl>(parent, checkpoint_store,
                                            std::move(cfg));
}

} // namespace ha
