#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/blob_store.hpp"
#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/retrieval.hpp"
#include "caf_ha/messages/status.hpp"
#include "caf_ha/messages/stores.hpp"

namespace ha {

using elector_atom = caf::atom_constant<caf::atom("elector")>;
using retriever_atom = caf::atom_constant<caf::atom("retriever")>;
using mode_atom = caf::atom_constant<caf::atom("mode")>;
using job_graphs_atom = caf::atom_constant<caf::atom("job_graphs")>;
using job_results_atom = caf::atom_constant<caf::atom("jobresults")>;
using registry_atom = caf::atom_constant<caf::atom("registry")>;
using checkpoints_atom = caf::atom_constant<caf::atom("checkpnts")>;
using blobs_atom = caf::atom_constant<caf::atom("blobs")>;

/// The root of one cluster's services: the seed's HighAvailabilityServices.
/// Component names are canonicalised (`component::canonical`): every
/// spelling of one job names one election; anything else fails with
/// invalid_argument. An elector or retriever nobody joined quits after
/// `ha.services.idle-timeout`; ask the root again for a fresh handle.
using ha_services_actor = caf::typed_actor<
  caf::replies_to<caf::get_atom, elector_atom, std::string>::with<
    elector_actor>,
  caf::replies_to<caf::get_atom, retriever_atom, std::string>::with<
    retriever_actor>,
  // get(mode): the mode's name and the cluster id.
  caf::replies_to<caf::get_atom, mode_atom>::with<std::string, std::string>,
  caf::replies_to<caf::get_atom, job_graphs_atom>::with<job_graph_store_actor>,
  caf::replies_to<caf::get_atom, job_results_atom>::with<
    job_result_store_actor>,
  caf::replies_to<caf::get_atom, registry_atom>::with<
    running_jobs_registry_actor>,
  caf::replies_to<caf::get_atom, checkpoints_atom>::with<
    checkpoint_store_actor>,
  caf::replies_to<caf::get_atom, blobs_atom>::with<blob_store_actor>,
  // get(status): the node's version, start, each component's election
  // and its last leader changes (messages/status.hpp).
  caf::replies_to<caf::get_atom, status_atom>::with<node_status>,
  // close(admin_secret): stops every service, keeps all data.
  caf::replies_to<caf::close_atom, std::string>::with<caf::ok_atom>,
  // transfer(component, to, admin_secret): hands leadership of `component`
  // over to the contender that declared address `to`: the leader drains
  // (if it declared so), is revoked, and that contender is granted next.
  // Answered once the handover is under way; fails, leaving the leader in
  // place, if no contender declared `to` (not_found), `to` leads already
  // (invalid_argument), another handover is under way (already_exists),
  // there is no leader (backend_unavailable) or the mode cannot
  // (not_available).
  caf::replies_to<transfer_atom, std::string, std::string,
                  std::string>::with<caf::ok_atom>,
  // cleanup(admin_secret) (cleanup_atom from messages/blob_store.hpp):
  // closeAndCleanupAllData: stops every service and deletes all data of
  // this cluster id, and nothing of any other.
  //
  // The secret of close, transfer and cleanup counts only at a published root (see `publish_services`):
  // there it must equal the one in `ha.admin.secret-file`, or the request
  // fails with permission_denied. The root `make_services` returns is the
  // in-process capability and ignores it: pass an empty string.
  caf::replies_to<cleanup_atom, std::string>::with<caf::ok_atom>>;

} // namespace ha
