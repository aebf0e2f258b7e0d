// Randomized schedules (issue 6): electors and retrievers driven by random
// interleavings of contender join, leave, crash, hang, confirm (also stale),
// resign and listener join/leave/crash, checked against every election and
// retrieval rule after each batch (tests/support/election_schedule.hpp).
// CAF_HA_SEEDS=N runs seeds 1..N (default 50); CAF_HA_SEED=S runs seed S
// alone, which reproduces a printed failure exactly. A failing seed's
// journal is written to randomized-seed-S.journal in the working directory
// for `hactl replay`.

#include <chrono>
#include <cstdlib>

#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/journal/replay.hpp"
#include "caf_ha/messages/errors.hpp"
#include "tests/support/election_schedule.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr size_t steps_per_seed = 60;
constexpr uint64_t default_seeds = 50;
constexpr auto time_budget = std::chrono::minutes{5};

std::vector<uint64_t> seeds_to_run(uint64_t default_count) {
  if (auto one = std::getenv("CAF_HA_SEED"))
    return {std::stoull(one)};
  auto count = default_count;
  if (auto n = std::getenv("CAF_HA_SEEDS"))
    count = std::stoull(n);
  std::vector<uint64_t> result;
  for (uint64_t seed = 1; seed <= count; ++seed)
    result.push_back(seed);
  return result;
}

/// Writes the journal of a failing seed and says where.
std::string save_journal(uint64_t seed, const election_schedule& world) {
  auto path = "randomized-seed-" + std::to_string(seed) + ".journal";
  if (auto err = write_journal(path, world.journaled()))
    return "(journal not written: " + describe(err) + ")";
  return "journal: " + path + " (hactl replay " + path + ")";
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string result;
  for (auto& x : lines)
    result += "  " + x + "\n";
  return result;
}

} // namespace

TEST_CASE("random interleavings of contenders and listeners keep every "
          "election and retrieval rule") {
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  auto seeds = seeds_to_run(default_seeds);
  coverage total;
  for (auto seed : seeds) {
    INFO("seed " << seed);
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    election_schedule world{seed};
    for (size_t i = 0; i < steps_per_seed; ++i) {
      auto broken = world.step(i);
      if (!broken.empty())
        FAIL("seed " << seed << " (rerun with CAF_HA_SEED=" << seed
                     << ") broke a rule after step " << i << ":\n"
                     << join_lines(broken) << "operations:\n"
                     << world.trace() << save_journal(seed, world));
    }
    total += world.summary();
  }
  if (seeds.size() >= default_seeds) {
    CHECK(total.grants > 0);
    CHECK(total.failovers > 0);
    CHECK(total.stale_rejected > 0);
    CHECK(total.confirmed > 0);
    CHECK(total.notifications > 0);
  }
}

TEST_CASE("the journal of every randomized schedule replays exactly") {
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  for (auto seed : seeds_to_run(default_seeds / 5)) {
    INFO("seed " << seed);
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    election_schedule world{seed};
    for (size_t i = 0; i < steps_per_seed; ++i)
      REQUIRE(world.step(i).empty());
    auto recorded = world.journaled();
    auto replayed = replay_journal(recorded);
    REQUIRE(replayed);
    CHECK(recorded.size() > steps_per_seed);
    if (auto& diff = replayed->divergence)
      FAIL("replay diverged at message " << diff->index << "\n  expected: "
                                         << diff->expected << "\n  got:      "
                                         << diff->got);
  }
}
