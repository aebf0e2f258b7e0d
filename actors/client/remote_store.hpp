#pragma once

#include <chrono>

#include <caf/fwd.hpp>

#include "caf_ha/messages/services_link.hpp"

namespace ha {

/// How long a remote store handle waits for the node's answer to one
/// request while the connection stands. A lost connection fails requests at
/// once; this bounds only a node that is connected but does not answer.
constexpr std::chrono::seconds remote_store_timeout{30};

// A remote store handle has the interface of the store it stands for, so the
// same code works against a local store or one on the ha-node behind `link`,
// and it outlives the connection:
//
// - while the link is connected it asks the node's root for the store (again
//   after every reconnection) and passes each request on; the store's answer
//   and its errors (fenced, not_found, invalid_argument ...) reach the caller
//   unchanged. Requests made while the store is being fetched wait for it.
// - while the link is reconnecting every request fails at once with
//   backend_unavailable naming the store, and so does every request still
//   waiting for the node's answer when the connection is lost.
// - job graph listeners that joined through the handle are joined again to
//   the node's store after each reconnection, until they leave or terminate
//   (they hear nothing of changes made while the connection was down).
//   Leaving while disconnected succeeds: the node dropped them already.
// - the handle itself is the requester the node sees: open blob uploads
//   belong to it, not to the actor that asked.
//
// A handle quits when its link quits, or on an exit message; requests it
// still holds then fail.

/// The job graph store of the ha-node behind `link`.
job_graph_store_actor spawn_remote_job_graphs(caf::actor_system& sys,
                                              services_link_actor link);

/// The job result store of the ha-node behind `link`.
job_result_store_actor spawn_remote_job_results(caf::actor_system& sys,
                                                services_link_actor link);

/// The running jobs registry of the ha-node behind `link`.
running_jobs_registry_actor spawn_remote_registry(caf::actor_system& sys,
                                                  services_link_actor link);

/// The checkpoint store of the ha-node behind `link`.
checkpoint_store_actor spawn_remote_checkpoints(caf::actor_system& sys,
                                                services_link_actor link);

/// The blob store of the ha-node behind `link`; blob_client's
/// upload_file and download_file take it like a local one.
blob_store_actor spawn_remote_blobs(caf::actor_system& sys,
                                    services_link_actor link);

} // namespace ha
