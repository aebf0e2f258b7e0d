#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/leader_info.hpp"

namespace ha {

using leader_atom = caf::atom_constant<caf::atom("leader")>;
using retrieval_error_atom = caf::atom_constant<caf::atom("retr_err")>;

/// What a listener receives: the current state at once on join, then every
/// change in order, never the same (address, session) twice in a row.
/// Mirrors the seed's LeaderRetrievalListener.
using listener_actor = caf::typed_actor<
  // leader(component, info): info.empty() means "no leader".
  caf::reacts_to<leader_atom, std::string, leader_info>,
  // retrieval_error(component, error)
  caf::reacts_to<retrieval_error_atom, std::string, caf::error>>;

/// One component's leader retrieval. Mirrors LeaderRetrievalService.
using retriever_actor = caf::typed_actor<
  // join(listener): start(listener).
  caf::replies_to<join_atom, listener_actor>::with<caf::ok_atom>,
  // leave(listener): stop().
  caf::replies_to<leave_atom, listener_actor>::with<caf::ok_atom>,
  // get: the current leader, for one-shot queries.
  caf::replies_to<caf::get_atom>::with<leader_info>>;

} // namespace ha
