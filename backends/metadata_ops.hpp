#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

#include "caf_ha/backends/metadata_store.hpp"

namespace ha {

// What every `metadata_store` implementation needs to say about a write op
// in the same words: its target, its fence, its argument checks.

/// What `op` writes, for messages: "job graph <id>", "checkpoint 7 of job
/// <id>", ...
std::string target_of(const write_op& op);

const fencing_token& fence_of(const write_op& op);

fencing_token& fence_of(write_op& op);

/// invalid_argument for an op no backend may apply (a result status outside
/// SUCCEEDED/FAILED/CANCELED/UNKNOWN, max_retained 0, a job status that is
/// none of the enumerators, a checkpoint id or counter value over
/// max_checkpoint_id).
caf::error check_arguments(const write_op& op);

/// None, or invalid_argument when the counter of `job`, at `next`, cannot
/// hand out another id without leaving 0..max_checkpoint_id: a counter
/// refuses instead of wrapping.
caf::error check_counter_next(const job_id& job, uint64_t next);

/// Replaces the fence's component by its canonical spelling; a component
/// that is none fails with invalid_argument naming it and the target.
caf::error canonicalize_fence(write_op& op);

/// errc::fenced: the fence's epoch was issued for its component but is not
/// (or no longer) the current grant. Names target, component and epoch.
caf::error not_current_error(const write_op& op);

/// errc::invalid_argument: no election ever issued the fence's epoch for
/// its component. Names target, component and epoch.
caf::error never_issued_error(const write_op& op);

/// The same refusals without a target, for grant checks that do not know
/// the op.
caf::error not_current_error(const fencing_token& fence);
caf::error never_issued_error(const fencing_token& fence);

/// `err` with the op's target in front: "write to <target> refused: ...".
caf::error refused_write(const write_op& op, const caf::error& err);

/// A random, non-zero `metadata_store::origin()`.
uint64_t random_origin();

} // namespace ha
