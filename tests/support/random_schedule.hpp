#pragma once

// Tools for tests that explore message orders: a seeded session-id generator
// (so a seed reproduces every id), and a drain of CAF's test coordinator
// that resumes ready actors in an order drawn from the seed.

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <caf/scheduler/test_coordinator.hpp>

#include "caf_ha/messages/ids.hpp"

namespace ha::test {

/// UUID v4 session ids drawn from `seed`; each one is appended to `issued`,
/// in the order the elector asked for them.
inline std::function<session_id()>
seeded_session_ids(uint64_t seed,
                   std::shared_ptr<std::vector<session_id>> issued) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng, issued] {
    session_id result;
    for (size_t i = 0; i < result.size(); i += 8) {
      auto bits = (*rng)();
      for (size_t j = 0; j < 8; ++j)
        result.data[i + j] = static_cast<uint8_t>(bits >> (8 * j));
    }
    result.data[6] = static_cast<uint8_t>((result.data[6] & 0x0F) | 0x40);
    result.data[8] = static_cast<uint8_t>((result.data[8] & 0x3F) | 0x80);
    issued->push_back(result);
    return result;
  };
}

/// Runs jobs until none is left, each time resuming a randomly chosen ready
/// actor for one message: per-sender FIFO order holds (as in CAF), every
/// other interleaving is up to `rng`. Returns false if the actors were still
/// busy after `max_jobs` messages, which means they never quiesce.
template <class Rng>
bool drain_randomly(caf::scheduler::test_coordinator& sched, Rng& rng,
                    size_t max_jobs = 100'000) {
  for (size_t n = 0; n < max_jobs; ++n) {
    if (!sched.has_job())
      return true;
    std::uniform_int_distribution<size_t> pick{0, sched.jobs.size() - 1};
    auto i = sched.jobs.begin() + static_cast<std::ptrdiff_t>(pick(rng));
    std::rotate(sched.jobs.begin(), i, i + 1);
    sched.run_once();
  }
  return !sched.has_job();
}

} // namespace ha::test
