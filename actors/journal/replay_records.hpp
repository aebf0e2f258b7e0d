#pragma once

// How the replay (actors/journal/replay.cpp) orders a journal's records and compares
// what the replayed actors did with the recording.

#include <optional>
#include <string>
#include <vector>

#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/journal/replay.hpp"

namespace ha {

/// The process a record comes from: what follows `@` in its actor name
/// (empty in a journal of one process).
std::string node_of(const std::string& actor);

/// The records in the order the replay feeds them. Each process's records
/// keep their order; the processes of a shared journal are merged by time,
/// since each process's writer thread appends to the file on its own.
std::vector<const journal_record*>
replay_order(const std::vector<journal_record>& records);

/// The first difference between what `actor` did in the recording and in
/// the replay. Extra replayed records count only if the recording is whole:
/// a torn journal lost the end of what its actors did.
std::optional<replay_divergence>
compare_actor(const std::vector<journal_record>& recorded,
              const std::vector<journal_record>& replayed,
              const std::string& actor, bool torn_tail);

} // namespace ha
