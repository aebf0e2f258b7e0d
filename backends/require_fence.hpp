#pragma once

#include <memory>

#include "caf_ha/backends/metadata_store.hpp"

namespace ha {

/// `inner`, refusing every write op that carries no fencing token with
/// invalid_argument naming `ha.store.require-fence` and the target; the
/// fenced ops of a batch still go to `inner` as one unit. Every write op
/// touches leader-owned data (job graphs, results, registry, checkpoints,
/// counters), so every unfenced one is refused.
std::unique_ptr<metadata_store>
require_fence(std::shared_ptr<metadata_store> inner);

} // namespace ha
