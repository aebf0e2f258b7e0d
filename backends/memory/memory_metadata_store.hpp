#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "caf_ha/backends/grant_authority.hpp"
#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/messages/metadata.hpp"

namespace ha {

/// One cluster's metadata in this process's memory (modes NONE and
/// embedded): lives as long as the last store that references it. Only
/// `memory_metadata_store` touches the tables, always under `mutex`.
struct memory_metadata {
  std::mutex mutex;
  std::map<job_id, job_graph> job_graphs;
  std::map<job_id, job_result_entry> job_results;
  std::map<job_id, scheduling_status> scheduling;
  /// Per job, the retained checkpoints by checkpoint id.
  std::map<job_id, std::map<uint64_t, completed_checkpoint>> checkpoints;
  /// Per job, the id the counter hands out next.
  std::map<job_id, uint64_t> counters;
  /// The election whose current grants fenced writes must carry; without
  /// one, every fenced write is refused as never issued.
  std::shared_ptr<grant_authority> grants;
  /// Ascending by sequence.
  std::vector<job_graph_change> changes;
  /// Survives `clear()`, so that listeners' cursors stay valid.
  uint64_t last_sequence = 0;
  /// The highest epoch reserved; survives `clear()`, so that epochs never
  /// repeat while the process lives.
  epoch_t reserved_epochs = 0;
};

/// A new instance, with its own random `origin()`, on `shared`.
std::unique_ptr<metadata_store>
open_memory_metadata_store(std::shared_ptr<memory_metadata> shared);

} // namespace ha
