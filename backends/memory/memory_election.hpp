#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/backends/grant_authority.hpp"
#include "caf_ha/backends/retrieval_driver.hpp"

namespace ha {

/// Hands out `count` epochs never handed out before; returns the first.
using epoch_reserver = std::function<caf::expected<epoch_t>(epoch_t count)>;

/// The in-process arbiter of modes `embedded` and `sqlite`: candidates of a
/// component wait in order of priority, then of arrival, and a handover
/// (transfer, fail-back) pins the candidate granted next. Without a reserver,
/// each component's epochs count up from 1 and live as long as the object;
/// with one, epochs come from blocks reserved in durable storage, so they
/// keep growing across restarts (one counter for all components, which
/// still grows for each). Thread-safe; every message is sent under the
/// lock, so each sink sees changes in the order they happened.
///
/// As a `grant_authority` it knows the epoch each component's leader holds
/// now and the last it issued per component (by canonical name); the
/// memory metadata store of mode embedded checks fences against it.
class memory_election : public election_driver,
                        public retrieval_driver,
                        public grant_authority {
public:
  /// Epochs reserved per trip to durable storage: large enough that grants
  /// rarely wait for I/O, small enough that a reserver whose floor is the
  /// wall clock in microseconds (sqlite) stays behind the clock: one block
  /// spans about a millisecond, less than a restart or 1024 grants take.
  static constexpr epoch_t reserve_block = epoch_t{1} << 10;

  memory_election() = default;

  /// Reserves the first block at once, so that a broken store fails here,
  /// and clears the grants `record` kept from an earlier run. Records every
  /// grant before the candidate hears of it, every release before the next
  /// grant.
  static caf::expected<std::shared_ptr<memory_election>>
  make_durable(epoch_reserver reserve, grant_recorder record);

  void join(const std::string& component, uint64_t candidate,
            const contender_options& options,
            election_events_actor events) override;

  void leave(const std::string& component, uint64_t candidate) override;

  void requeue(const std::string& component, uint64_t old_candidate,
               uint64_t candidate, const contender_options& options,
               election_events_actor events) override;

  void publish(const std::string& component, uint64_t candidate,
               const leader_info& info) override;

  void transfer(const std::string& component, const std::string& to,
                uint64_t request, election_events_actor events) override;

  /// Components (canonical names) whose leader hands over to a candidate of
  /// higher priority that joins (ha.election.fail-back); "*": all.
  void fail_back(std::vector<std::string> components);

  void subscribe(const std::string& component, listener_actor sink) override;

  void unsubscribe(const std::string& component,
                   const listener_actor& sink) override;

  /// How many components the arbiter keeps state for: one nobody contends
  /// in or listens to costs nothing once forgotten.
  size_t tracked_components();

  caf::error run_fenced(const fencing_token& fence,
                        const std::function<caf::error()>& write) override;

private:
  /// What fences check, by canonical component name.
  struct candidate_entry {
    uint64_t id;
    election_events_actor events;
    contender_options options;
  };

  struct component_state {
    /// Front is the leader once granted; then `next` if pinned; then by
    /// priority and arrival.
    std::deque<candidate_entry> queue;
    std::optional<uint64_t> leader;
    /// The candidate a handover picked: second in the queue until granted.
    std::optional<uint64_t> next;
    epoch_t last_epoch = 0;
    leader_info published;
    std::vector<listener_actor> subscribers;
  };

  using component_map = std::map<std::string, component_state>;

  /// Erases the state of a component that has nothing left to remember.
  void forget_if_unused(component_map::iterator i);

  void grant_front(const std::string& component, component_state& st);

  void do_leave(const std::string& component, uint64_t candidate);

  /// Queues `candidate`; a fresh one (not a requeued leader) may fail back.
  void do_join(const std::string& component, uint64_t candidate,
               const contender_options& options, election_events_actor events,
               bool fresh);

  /// Where a candidate of `priority` queues: never before the leader or the
  /// pinned next one.
  std::deque<candidate_entry>::iterator queue_position(component_state& st,
                                                      int32_t priority);

  /// Pins the queue entry `target` as next and asks the leader to step
  /// down.
  void hand_over(component_state& st,
                 std::deque<candidate_entry>::iterator target);

  bool fails_back(const std::string& component) const;

  void release(const std::string& component);

  caf::expected<epoch_t> next_epoch(component_state& st);

  caf::error reserve_more();

  void set_published(const std::string& component, component_state& st,
                     leader_info info);

  epoch_reserver reserve_;
  grant_recorder record_;
  epoch_t next_reserved_ = 0;
  epoch_t reserved_end_ = 0;
  std::mutex mtx_;
  component_map components_;
  std::map<std::string, grant_state> grants_;
  std::vector<std::string> fail_back_;
};

} // namespace ha
