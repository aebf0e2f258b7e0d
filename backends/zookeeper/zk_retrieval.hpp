#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "caf_ha/backends/retrieval_driver.hpp"
#include "caf_ha/backends/zookeeper/zk_connection.hpp"
#include "caf_ha/backends/zookeeper/zk_worker.hpp"

namespace ha {

/// Leader retrieval on ZooKeeper: watches each subscribed component's
/// `connection_info` node, reads it again whenever the watch fires (and
/// after every reconnect) and tells the sinks when it changed. A lost
/// session is reported as `retrieval_error`; the current state follows once
/// a new session is up. Information it cannot decode (another client wrote
/// it) is reported as "no leader": the leader writes it back.
class zk_retrieval final : public retrieval_driver {
public:
  /// Watches on the process's shared session.
  static std::shared_ptr<zk_retrieval>
  make(std::shared_ptr<zk_connection> conn);

  ~zk_retrieval() override;

  void subscribe(const std::string& component, listener_actor sink) override;

  void unsubscribe(const std::string& component,
                   const listener_actor& sink) override;

private:
  struct component_state {
    std::vector<listener_actor> sinks;
    /// What the sinks were told last.
    std::optional<leader_info> last;
  };

  explicit zk_retrieval(std::shared_ptr<zk_connection> conn);

  // Everything below runs on the worker thread.

  /// Reads the published leader and sets a watch on its node.
  caf::expected<leader_info> read(const std::string& component);

  /// Tells every sink the current state if it changed.
  void refresh(const std::string& component);

  void do_subscribe(const std::string& component, listener_actor sink);

  void on_state(zk_state state);

  std::shared_ptr<zk_connection> conn_;
  const zk_settings& settings_;
  std::map<std::string, component_state> components_;
  uint64_t listener_ = 0;
  zk_worker worker_;
};

} // namespace ha
