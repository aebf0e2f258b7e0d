#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/election.hpp"
#include "messages/retrieval.hpp"

namespace ha {

using elector_atom = caf::atom_constant<caf::atom("elector")>;
using retriever_atom = caf::atom_constant<caf::atom("retriever")>;
using mode_atom = caf::atom_constant<caf::atom("mode")>;

/// The root of one cluster's services: the seed's HighAvailabilityServices.
/// Component names are validated; a bad one fails with invalid_argument.
using ha_services_actor = caf::typed_actor<
  caf::replies_to<caf::get_atom, elector_atom, std::string>::with<
    elector_actor>,
  caf::replies_to<caf::get_atom, retriever_atom, std::string>::with<
    retriever_actor>,
  // get(mode): the mode's name and the cluster id.
  caf::replies_to<caf::get_atom, mode_atom>::with<std::string, std::string>,
  // close: stops every service, keeps all data.
  caf::replies_to<caf::close_atom>::with<caf::ok_atom>>;

} // namespace ha
