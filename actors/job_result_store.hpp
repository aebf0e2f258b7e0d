#pragma once

#include <caf/fwd.hpp>

#include "caf_ha/actors/store_config.hpp"
#include "caf_ha/messages/stores.hpp"

namespace ha {

using job_result_store_impl
  = job_result_store_actor::extend<caf::reacts_to<caf::flush_atom>>;

/// The job result store: dirty -> clean
/// entries, fenced writes, group commit. Spawned detached and linked.
job_result_store_impl spawn_job_result_store(caf::local_actor* parent,
                                             store_config cfg);

} // namespace ha
