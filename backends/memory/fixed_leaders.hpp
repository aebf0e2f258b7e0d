#pragma once

#include <string>

#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/backends/grant_authority.hpp"
#include "caf_ha/backends/retrieval_driver.hpp"

namespace ha {

/// Mode NONE: no election. Every candidate is granted at once with epoch 0
/// (there is one master and no failover), publishing changes nothing, and
/// the leaders are the fixed addresses from the configuration. As a
/// `grant_authority`, epoch 0 is every component's current grant and no
/// other epoch was ever issued.
class fixed_leaders : public election_driver,
                      public retrieval_driver,
                      public grant_authority {
public:
  /// `rpc_address` serves dispatcher, resource manager and job managers;
  /// `rest_address` serves the web monitor.
  fixed_leaders(std::string rpc_address, std::string rest_address);

  void join(const std::string& component, uint64_t candidate,
            const contender_options& options,
            election_events_actor events) override;

  void leave(const std::string& component, uint64_t candidate) override;

  void requeue(const std::string& component, uint64_t old_candidate,
               uint64_t candidate, const contender_options& options,
               election_events_actor events) override;

  /// Refused: the leaders are fixed.
  void transfer(const std::string& component, const std::string& to,
                uint64_t request, election_events_actor events) override;

  void publish(const std::string& component, uint64_t candidate,
               const leader_info& info) override;

  void subscribe(const std::string& component, listener_actor sink) override;

  void unsubscribe(const std::string& component,
                   const listener_actor& sink) override;

  caf::error run_fenced(const fencing_token& fence,
                        const std::function<caf::error()>& write) override;

private:
  std::string rpc_address_;
  std::string rest_address_;
};

} // namespace ha
