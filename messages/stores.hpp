#pragma once

// The typed interfaces of the metadata stores. Every write may carry a
// fencing_token; reads are never fenced. Errors are errc values whose
// context names the job.

#include <vector>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/metadata.hpp"

namespace ha {

using job_ids_atom = caf::atom_constant<caf::atom("job_ids")>;
using graph_page_atom = caf::atom_constant<caf::atom("graph_page")>;
using job_added_atom = caf::atom_constant<caf::atom("job_added")>;
using job_removed_atom = caf::atom_constant<caf::atom("job_remov")>;
using create_dirty_atom = caf::atom_constant<caf::atom("crt_dirty")>;
using mark_clean_atom = caf::atom_constant<caf::atom("mark_clean")>;
using has_entry_atom = caf::atom_constant<caf::atom("has_entry")>;
using has_dirty_atom = caf::atom_constant<caf::atom("has_dirty")>;
using has_clean_atom = caf::atom_constant<caf::atom("has_clean")>;
using dirty_atom = caf::atom_constant<caf::atom("dirty")>;
using clean_atom = caf::atom_constant<caf::atom("clean")>;
using set_running_atom = caf::atom_constant<caf::atom("set_run")>;
using set_finished_atom = caf::atom_constant<caf::atom("set_fin")>;
using next_id_atom = caf::atom_constant<caf::atom("next_id")>;
using counter_atom = caf::atom_constant<caf::atom("counter")>;
using set_count_atom = caf::atom_constant<caf::atom("set_count")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

/// Told when *another* process adds or removes a job graph.
using job_graph_listener_actor
  = caf::typed_actor<caf::reacts_to<job_added_atom, job_id>,
                     caf::reacts_to<job_removed_atom, job_id>>;

/// The seed's JobGraphStore.
using job_graph_store_actor = caf::typed_actor<
  // putJobGraph: inserts or replaces.
  caf::replies_to<caf::put_atom, job_graph, fencing_token>::with<caf::ok_atom>,
  // recoverJobGraph: not_found when absent.
  caf::replies_to<caf::get_atom, job_id>::with<job_graph>,
  // removeJobGraph: removing an absent graph is fine.
  caf::replies_to<caf::delete_atom, job_id, fencing_token>::with<
    caf::ok_atom>,
  // getJobIds
  caf::replies_to<caf::get_atom, job_ids_atom>::with<std::vector<job_id>>,
  // Every graph, a page at a time: the first page of at most `limit` graphs
  // (see job_graph_page), then the page after the last id received.
  caf::replies_to<caf::get_atom, graph_page_atom, uint32_t>::with<
    job_graph_page>,
  caf::replies_to<caf::get_atom, graph_page_atom, job_id, uint32_t>::with<
    job_graph_page>,
  // start(listener) / stop
  caf::replies_to<caf::join_atom, job_graph_listener_actor>::with<
    caf::ok_atom>,
  caf::replies_to<caf::leave_atom, job_graph_listener_actor>::with<
    caf::ok_atom>>;

/// The seed's JobResultStore: entries move dirty -> clean.
using job_result_store_actor = caf::typed_actor<
  // createDirtyResult: already_exists if the job has an entry.
  caf::replies_to<create_dirty_atom, job_result_entry, fencing_token>::with<
    caf::ok_atom>,
  // markResultAsClean: not_found if unknown; a no-op if clean already.
  caf::replies_to<mark_clean_atom, job_id, fencing_token>::with<caf::ok_atom>,
  caf::replies_to<has_entry_atom, job_id>::with<bool>,
  caf::replies_to<has_dirty_atom, job_id>::with<bool>,
  caf::replies_to<has_clean_atom, job_id>::with<bool>,
  caf::replies_to<caf::get_atom, dirty_atom>::with<
    std::vector<job_result_entry>>,
  caf::replies_to<caf::get_atom, clean_atom>::with<
    std::vector<job_result_entry>>>;

/// The seed's RunningJobsRegistry.
using running_jobs_registry_actor = caf::typed_actor<
  caf::replies_to<set_running_atom, job_id, fencing_token>::with<
    caf::ok_atom>,
  caf::replies_to<set_finished_atom, job_id, fencing_token>::with<
    caf::ok_atom>,
  caf::replies_to<caf::get_atom, job_id>::with<scheduling_status>>;

/// The seed's CheckpointRecoveryFactory, for every job: the completed
/// checkpoint store and the checkpoint id counter of each job.
using checkpoint_store_actor = caf::typed_actor<
  // addCheckpoint: keeps the newest `max_retained` (>= 1) and returns the
  // ones it subsumed, so their state can be discarded.
  caf::replies_to<caf::add_atom, completed_checkpoint, uint32_t,
                  fencing_token>::with<std::vector<completed_checkpoint>>,
  // recover: the retained checkpoints in checkpoint-id order.
  caf::replies_to<caf::get_atom, job_id>::with<
    std::vector<completed_checkpoint>>,
  // getAndIncrement: never hands out the same id twice; starts at 1.
  caf::replies_to<next_id_atom, job_id, fencing_token>::with<uint64_t>,
  // get: the next id getAndIncrement would hand out.
  caf::replies_to<caf::get_atom, counter_atom, job_id>::with<uint64_t>,
  caf::replies_to<set_count_atom, job_id, uint64_t, fencing_token>::with<
    caf::ok_atom>,
  // shutdown(jobStatus): drops the job's checkpoints and counter only when
  // the job is globally terminal; keeps them otherwise.
  caf::replies_to<shutdown_atom, job_id, job_status, fencing_token>::with<
    caf::ok_atom>>;

} // namespace ha
