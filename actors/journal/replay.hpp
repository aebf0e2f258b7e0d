#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "caf_ha/actors/journal/journal.hpp"

namespace ha {

/// Where a replay first did something else than the recording.
struct replay_divergence {
  uint64_t index = 0; // the journal record that differs (or is missing)
  std::string expected;
  std::string got;
};

struct replay_result {
  /// Records compared, inputs and outputs.
  size_t messages = 0;
  std::optional<replay_divergence> divergence;
  /// Everything the replayed actors journaled, for `--rerecord`.
  std::vector<journal_record> produced;
};

/// Replays a journal: spawns a fresh actor for every
/// elector and retriever in it, feeds each one its recorded inputs in
/// order, under a deterministic scheduler, from stand-ins named as the
/// recorded peers, and compares every record the replayed actors journal
/// with the recording. What the backend told an actor (grants, leader
/// updates, errors) is an input like any other, so the replay needs no
/// backend and reproduces recordings of every mode; session ids come from
/// the recorded grants and the journal clock from the recorded times.
/// Fails with corrupted naming the record if an input cannot be decoded.
caf::expected<replay_result>
replay_journal(const std::vector<journal_record>& records,
               bool torn_tail = false);

/// One line for a user: `actor dir peer kind key=value...`.
std::string describe(const journal_record& x);

} // namespace ha
