#pragma once

#include <caf/fwd.hpp>

#include "caf_ha/actors/store_config.hpp"
#include "caf_ha/messages/stores.hpp"

namespace ha {

using running_jobs_registry_impl
  = running_jobs_registry_actor::extend<caf::reacts_to<caf::flush_atom>>;

/// The running jobs registry: pending -> running -> done per job, unknown
/// jobs pending. Spawned detached and linked.
running_jobs_registry_impl
spawn_running_jobs_registry(caf::local_actor* parent, store_config cfg);

} // namespace ha
