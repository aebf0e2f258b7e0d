#pragma once

// A randomized schedule of election and retrieval (issue 6): the electors
// and retrievers of two components on one memory arbiter, driven by random
// batches of contender and listener operations whose messages interleave in
// an order drawn from a seed, under CAF's deterministic test coordinator.
// After every batch, `step` checks the rules of leader
// election and leader retrieval, and returns the broken ones. Every
// message of the services goes to an in-memory journal, so a failing seed
// can be written out and replayed with `hactl replay`.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/retriever.hpp"
#include "caf_ha/backends/memory/memory_election.hpp"
#include "tests/support/actor_fixture.hpp"

namespace ha::test {

/// What the schedule knows of one contender: what it was told and what the
/// elector accepted from it.
struct contender_probe {
  std::string address; // stable name, e.g. contender#2
  size_t component = 0;
  bool hung = false; // a hung contender never confirms its grants
  bool alive = true;
  bool joined = false;
  std::vector<std::pair<session_id, epoch_t>> grants;
  std::set<session_id> revoked;
  std::set<session_id> confirmed;
  std::vector<std::string> unexpected;
};

struct listener_probe {
  std::string name; // listener#3
  size_t component = 0;
  bool alive = true;
  bool joined = false;
  std::optional<size_t> frozen_at; // notifications seen when it left
  std::vector<leader_info> seen;
  std::vector<std::string> unexpected;
};

using contender_ptr = std::shared_ptr<contender_probe>;
using listener_ptr = std::shared_ptr<listener_probe>;

/// How often the interesting races happened. The test asserts each is
/// non-zero over its seeds, so a change that stops the schedule from
/// reaching them fails instead of passing vacuously.
struct coverage {
  size_t grants = 0;
  size_t failovers = 0; // grants to a contender other than the previous one
  size_t stale_rejected = 0;
  size_t confirmed = 0;
  size_t notifications = 0;

  coverage& operator+=(const coverage& x);
};

/// The components the schedule elects in, by index.
const std::vector<std::string>& schedule_components();

/// A leader as text for violation messages.
std::string leader_text(const leader_info& x);

/// Equal in address, session and epoch.
bool same_leader_and_epoch(const leader_info& x, const leader_info& y);

class election_schedule : public actor_fixture {
public:
  explicit election_schedule(uint64_t seed);

  ~election_schedule() override;

  /// One batch of one to three operations, drained in a random order, then
  /// every rule checked. Returns the broken rules.
  std::vector<std::string> step(size_t index);

  /// The operations so far, one per line.
  std::string trace() const;

  coverage summary() const;

  /// Everything the services journaled so far.
  std::vector<journal_record> journaled() const {
    return journal_->records();
  }

private:
  struct services {
    elector_impl elector;
    retriever_impl retriever;
    std::shared_ptr<std::vector<session_id>> issued;
  };

  struct operation {
    int weight;
    void (election_schedule::*run)();
  };

  static const std::vector<operation>& operations();

  int pick(int min, int max);
  size_t pick_component();
  void note(const std::string& what);
  void violation(const std::string& what);

  /// Sends a request now and handles its reply once the batch is drained.
  template <class R, class Handle, class F, class... Ts>
  void request(const Handle& dest, F on_reply, Ts... xs);

  void spawn_contender(bool dead);
  void join_contender();
  void join_dead_contender();
  void leave_contender();
  void crash_contender();
  void hang_contender();
  void confirm_current();
  std::optional<session_id> stale_session(size_t c);
  void confirm_stale();
  void resign_current();
  void resign_stale();

  void spawn_listener(bool dead);
  void join_listener();
  void join_dead_listener();
  void leave_listener();
  void crash_listener();

  std::pair<contender_ptr, session_id> leader_of(size_t c);
  void check_component(size_t c);
  void check_liveness(size_t c, const contender_ptr& leader);
  std::map<session_id, epoch_t> check_epochs(size_t c);
  void check_leadership(size_t c, const session_id& current);
  void check_retrieval(size_t c, const leader_info& expected);
  void check_listener(listener_probe& p, const leader_info& expected);

  std::mt19937_64 rng_;
  std::discrete_distribution<size_t> ops_dist_;
  /// The journal's clock: the step, in milliseconds, so records sort by it.
  std::shared_ptr<int64_t> clock_ = std::make_shared<int64_t>(0);
  std::shared_ptr<journal> journal_;
  std::shared_ptr<memory_election> arbiter_
    = std::make_shared<memory_election>();
  std::vector<services> services_;
  std::vector<std::pair<contender_actor, contender_ptr>> contenders_;
  std::vector<std::pair<listener_actor, listener_ptr>> listeners_;
  std::vector<std::function<void()>> replies_;
  std::vector<std::string> violations_;
  std::vector<std::string> trace_;
  /// Per component, the leader and its session when the batch started.
  std::vector<std::pair<contender_ptr, session_id>> leaders_;
  size_t index_ = 0;
  coverage covered_;
};

} // namespace ha::test
