#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

#include "backends/metadata_store.hpp"

namespace ha {

// What every `metadata_store` implementation needs to say about a write op
// in the same words: its target, its fence, its argument checks.

/// What `op` writes, for messages: "job graph <id>", "checkpoint 7 of job
/// <id>", ...
std::string target_of(const write_op& op);

const fencing_token& fence_of(const write_op& op);

/// invalid_argument for an op no backend may apply (a result status outside
/// SUCCEEDED/FAILED/CANCELED/UNKNOWN, max_retained 0).
caf::error check_arguments(const write_op& op);

/// errc::fenced naming the target, the component and both epochs.
caf::error fenced_error(const write_op& op, epoch_t newest);

/// A random, non-zero `metadata_store::origin()`.
uint64_t random_origin();

} // namespace ha
