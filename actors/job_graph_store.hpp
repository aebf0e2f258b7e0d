#pragma once

#include <caf/fwd.hpp>

#include "caf_ha/actors/store_config.hpp"
#include "caf_ha/messages/stores.hpp"

namespace ha {

using poll_atom = caf::atom_constant<caf::atom("poll")>;

using job_graph_store_impl = job_graph_store_actor::extend<
  caf::reacts_to<caf::flush_atom>, caf::reacts_to<poll_atom>>;

/// The job graph store. While listeners are
/// joined it reads the backend's change log every poll interval and tells
/// them of graphs that *other* processes added or removed. Spawned detached
/// and linked.
job_graph_store_impl spawn_job_graph_store(caf::local_actor* parent,
                                           store_config cfg);

} // namespace ha
