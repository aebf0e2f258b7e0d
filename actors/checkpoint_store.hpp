#pragma once

#include <caf/fwd.hpp>

#include "caf_ha/actors/store_config.hpp"
#include "caf_ha/messages/stores.hpp"

namespace ha {

using checkpoint_store_impl
  = checkpoint_store_actor::extend<caf::reacts_to<caf::flush_atom>>;

/// Checkpoint recovery for every job: the completed checkpoint store
/// (retain newest N, return the subsumed) and the checkpoint id counter
/// (unique ids across processes). Spawned detached and linked.
checkpoint_store_impl spawn_checkpoint_store(caf::local_actor* parent,
                                             store_config cfg);

} // namespace ha
