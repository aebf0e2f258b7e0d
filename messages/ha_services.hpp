#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/blob_store.hpp"
#include "messages/election.hpp"
#include "messages/retrieval.hpp"
#include "messages/stores.hpp"

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
/// Component names are validated; a bad one fails with invalid_argument.
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
  // close: stops every service, keeps all data.
  caf::replies_to<caf::close_atom>::with<caf::ok_atom>,
  // cleanup (cleanup_atom from messages/blob_store.hpp):
  // closeAndCleanupAllData: stops every service and deletes all
  // data of this cluster id, and nothing of any other.
  caf::replies_to<cleanup_atom>::with<caf::ok_atom>>;

} // namespace ha
