#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_worker.hpp"

namespace ha {

/// Leader election on ZooKeeper, the standard recipe: each candidate owns
/// an ephemeral sequential node under `<cluster>/leaderlatch/<component>`,
/// the lowest leads, and every other one watches only its predecessor. A
/// grant's epoch is the latch node's sequence number plus one: ZooKeeper
/// hands those out in increasing order per component, and the lowest node
/// is always newer than every earlier leader's.
///
/// Handovers keep that rule: `<cluster>/leaderhandover/<component>` names
/// the latch node to lead next (a transfer's, fail-back's, or a free
/// election's pick by priority). While that node exists, every candidate
/// before it stands aside: one that waits makes a new node at the end, the
/// leader steps down (its elector drains it, then it leaves and joins
/// again). The picked node thus becomes the lowest and is granted by the
/// rule, before any other; stores check fences by the same rule. Every
/// process checks the handover node before it takes a grant, so none slips
/// in between. A free election (the lowest node is ours and not granted)
/// goes to the highest priority declared in the latch nodes.
///
/// `publish` writes `<cluster>/leader/<component>/connection_info` as an
/// ephemeral node in a multi-op that checks the latch node still exists, so
/// a stale leader cannot overwrite it, and a dead leader's information
/// vanishes with its session. The confirmed leader then watches that node
/// and writes it back (the same fenced multi-op) when another client
/// deletes or overwrites it, as Flink's ZooKeeper driver does; no other
/// candidate ever writes it.
///
/// Suspended connection: grants stay (unless `revoke_on_suspend`), but
/// publishing fails until reconnected. Lost session: every elector gets
/// `driver_error`; once a new session is up, every candidate rejoins.
class zk_election final : public election_driver {
public:
  /// Elects on the process's shared session.
  static std::shared_ptr<zk_election>
  make(std::shared_ptr<zk_connection> conn);

  /// Finishes pending calls, then lets every remaining candidate leave: the
  /// shared session may outlive the driver, and with it the latch nodes.
  ~zk_election() override;

  void join(const std::string& component, uint64_t candidate,
            const contender_options& options,
            election_events_actor events) override;

  void leave(const std::string& component, uint64_t candidate) override;

  /// The new latch node says its contender stepped down: fail-back does
  /// not count it.
  void requeue(const std::string& component, uint64_t old_candidate,
               uint64_t candidate, const contender_options& options,
               election_events_actor events) override;

  void transfer(const std::string& component, const std::string& to,
                uint64_t request, election_events_actor events) override;

  /// Components (canonical names) whose leader hands over to a candidate of
  /// higher priority (ha.election.fail-back); "*": all. Every process of a
  /// component should name the same.
  void fail_back(std::vector<std::string> components);

  void publish(const std::string& component, uint64_t candidate,
               const leader_info& info) override;

  /// Candidates of every process elect here: each latch node holds what its
  /// contender declared.
  bool spans_processes() const override {
    return true;
  }

  void participants(const std::string& component, uint64_t request,
                    election_events_actor events) override;

  /// The shared session this driver elects on.
  const std::shared_ptr<zk_connection>& connection() const {
    return conn_;
  }

private:
  struct candidate_state {
    election_events_actor events;
    /// Written into each of its latch nodes.
    contender_options options;
    /// Queued again after stepping down: fail-back does not count it.
    bool stepped_down = false;
    /// Full path of the latch node; empty while it has none.
    std::string node;
    /// Counts the candidate's latch nodes, so each has a new name.
    uint64_t generation = 0;
    bool granted = false;
    /// Revoked on suspension: gets a new node once reconnected.
    bool rejoin = false;
    /// Asked its elector to step it down for a handover.
    bool stepping_down = false;
    /// The highest sequence number when it was granted: fail-back counts
    /// only the nodes that joined since.
    uint64_t granted_after = 0;
    /// What the confirmed leader published; empty otherwise. Kept in the
    /// leader node while the grant lasts.
    std::string published;
  };

  using component_state = std::map<uint64_t, candidate_state>;

  explicit zk_election(std::shared_ptr<zk_connection> conn);

  // Everything below runs on the worker thread.

  void do_join(const std::string& component, uint64_t candidate,
               contender_options options, election_events_actor events,
               bool stepped_down = false);

  void do_participants(const std::string& component, uint64_t request,
                       const election_events_actor& events);

  /// The candidate whose latch node is `name`, as other processes see it;
  /// `lowest`: no node before it still exists.
  participant latch_participant(const std::string& component,
                                const std::string& name, bool lowest,
                                const std::string& data, const zk_stat& stat);

  void do_leave(const std::string& component, uint64_t candidate);

  void do_transfer(const std::string& component, const std::string& to,
                   uint64_t request, const election_events_actor& events);

  /// What the handover node says: the latch node it picked, as an index
  /// into `names` (sorted), while that node exists; its version, -1 if
  /// there is none.
  struct handover {
    std::optional<size_t> target;
    int version = -1;
  };

  /// What this process last read of a component's handover node: kept
  /// until its watch fires or the connection changes.
  struct handover_seen {
    std::optional<std::string> target;
    int version = -1;
  };

  /// The handover node as last read (and watched); nullopt if it cannot be
  /// read.
  std::optional<handover_seen> handover_node(const std::string& component);

  /// Where the pick of `node` is in `names`.
  static handover locate(const handover_seen& node,
                         const std::vector<std::string>& names);

  /// Makes `target` (a latch node's name) lead next, if `holder` (the
  /// lowest node) still exists and the handover node is still at
  /// `version` (-1: absent).
  int write_handover(const std::string& component, const std::string& target,
                     const std::string& holder, int version);

  /// Deletes the handover node at the version `seen`.
  void clear_handover(const std::string& component, const handover& seen);

  /// What a transfer's write of the handover node means to the operator.
  caf::error transfer_outcome(const std::string& component, int rc);

  /// What the latch node `name` says, read once: its data never changes.
  std::optional<latch_data> latch_of(const std::string& component,
                                     const std::string& name);

  /// Forgets what was read of latch nodes not in `names` (sorted).
  void forget_latches(const std::string& component,
                      const std::vector<std::string>& names);

  /// The index in `names` of the highest priority (ties: the lower node)
  /// and that priority, among the nodes with a sequence number above
  /// `after` that did not step down (unless `all`), none of them our own
  /// orphans; nullopt if there is none.
  std::optional<std::pair<size_t, int32_t>>
  best_candidate(const std::string& component,
                 const std::vector<std::string>& names, bool all,
                 uint64_t after);

  /// A candidate before the handover's pick: waits behind it, or, leading,
  /// steps down; true if `evaluate` must run again.
  bool stand_aside(const std::string& component, uint64_t candidate,
                   candidate_state& cs);

  /// The candidate whose node is the lowest: granted, unless a free
  /// election picks a higher priority; when leading, hands over to a
  /// higher priority that joined since, with fail-back. True if `evaluate`
  /// must run again.
  bool lead(const std::string& component, uint64_t candidate,
            candidate_state& cs, const std::vector<std::string>& names,
            const handover& seen);

  /// A handover to `names[target]` from the lowest node, if the handover
  /// node is still as `seen`; the client's return code.
  int hand_over(const std::string& component,
                const std::vector<std::string>& names, size_t target,
                const handover& seen);

  /// Replaces the candidate's latch node by a new one at the end.
  void requeue(const std::string& component, uint64_t candidate,
               candidate_state& cs);

  void do_publish(const std::string& component, uint64_t candidate,
                  const leader_info& info);

  /// Writes `data` as the component's leader node, owned by this session,
  /// in a multi-op that fails unless `latch` still exists.
  int write_leader_node(const std::string& component,
                        const std::string& latch, const std::string& data);

  /// The confirmed leader's check of its leader node: writes it back if it
  /// is missing, foreign or changed, and watches it again.
  void heal(const std::string& component);

  /// The candidate that published `component`'s leader node, if any.
  candidate_state* publisher_of(const std::string& component);

  /// Grants the lowest node's candidate if it is ours, and watches the
  /// predecessors of the others.
  void evaluate(const std::string& component);

  /// One pass of `evaluate`; true if it must run again.
  bool evaluate_once(const std::string& component, component_state& st);

  void create_node(const std::string& component, uint64_t candidate,
                   candidate_state& cs);

  void revoke(uint64_t candidate, candidate_state& cs);

  /// Whether a latch node named as a candidate's is the current session's
  /// (one of an earlier session is deleted: a new one must be made).
  enum class adoption { ours, none, unknown };
  adoption adoptable(const std::string& node);

  void on_state(zk_state state);

  void on_watch(const std::string& path);

  /// The name prefix of the candidate's current latch node.
  std::string token_of(uint64_t candidate, const candidate_state& cs) const;

  std::shared_ptr<zk_connection> conn_;
  const zk_settings& settings_;
  uint64_t instance_;
  std::map<std::string, component_state> components_;
  /// Latch nodes a leave could not delete; retried after reconnecting.
  std::vector<std::string> orphans_;
  std::vector<std::string> fail_back_;
  std::map<std::string, handover_seen> handovers_;
  /// What latch nodes say, by component and node name.
  std::map<std::string, std::map<std::string, latch_data>> latches_;
  uint64_t listener_ = 0;
  zk_worker worker_;
};

} // namespace ha
