#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "caf_ha/backends/election_driver.hpp"
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
/// `publish` writes `<cluster>/leader/<component>/connection_info` as an
/// ephemeral node in a multi-op that checks the latch node still exists, so
/// a stale leader cannot overwrite it, and a dead leader's information
/// vanishes with its session.
///
/// Suspended connection: grants stay (unless `revoke_on_suspend`), but
/// publishing fails until reconnected. Lost session: every elector gets
/// `driver_error`; once a new session is up, every candidate rejoins.
class zk_election final : public election_driver {
public:
  /// Connects; backend_unavailable naming the quorum if that fails.
  static caf::expected<std::shared_ptr<zk_election>>
  make(const zk_settings& settings);

  /// Finishes pending calls (leaving candidates delete their nodes), then
  /// closes the session.
  ~zk_election() override;

  void join(const std::string& component, uint64_t candidate,
            election_events_actor events) override;

  void leave(const std::string& component, uint64_t candidate) override;

  void publish(const std::string& component, uint64_t candidate,
               const leader_info& info) override;

private:
  struct candidate_state {
    election_events_actor events;
    /// Full path of the latch node; empty while it has none.
    std::string node;
    /// Counts the candidate's latch nodes, so each has a new name.
    uint64_t generation = 0;
    bool granted = false;
    /// Revoked on suspension: gets a new node once reconnected.
    bool rejoin = false;
  };

  using component_state = std::map<uint64_t, candidate_state>;

  explicit zk_election(zk_settings settings);

  // Everything below runs on the worker thread.

  void do_join(const std::string& component, uint64_t candidate,
               election_events_actor events);

  void do_leave(const std::string& component, uint64_t candidate);

  void do_publish(const std::string& component, uint64_t candidate,
                  const leader_info& info);

  /// Grants the lowest node's candidate if it is ours, and watches the
  /// predecessors of the others.
  void evaluate(const std::string& component);

  /// One pass of `evaluate`; true if it must run again.
  bool evaluate_once(const std::string& component, component_state& st);

  void create_node(const std::string& component, uint64_t candidate,
                   candidate_state& cs);

  void revoke(uint64_t candidate, candidate_state& cs);

  void on_state(zk_state state);

  void on_watch(const std::string& path);

  /// The name prefix of the candidate's current latch node.
  std::string token_of(uint64_t candidate, const candidate_state& cs) const;

  zk_settings settings_;
  uint64_t instance_;
  std::map<std::string, component_state> components_;
  /// Latch nodes a leave could not delete; retried after reconnecting.
  std::vector<std::string> orphans_;
  zk_worker worker_;
  std::unique_ptr<zk_connection> conn_;
};

} // namespace ha
