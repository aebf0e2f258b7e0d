#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backends/election_driver.hpp"
#include "backends/retrieval_driver.hpp"

namespace ha {

/// The in-process arbiter of mode `embedded`: candidates of a component are
/// granted in the order they joined, epochs count up from 1 and live as long
/// as the object. Thread-safe; every message is sent under the lock, so each
/// sink sees changes in the order they happened.
class memory_election : public election_driver, public retrieval_driver {
public:
  void join(const std::string& component, uint64_t candidate,
            election_events_actor events) override;

  void leave(const std::string& component, uint64_t candidate) override;

  void publish(const std::string& component, uint64_t candidate,
               const leader_info& info) override;

  void subscribe(const std::string& component, listener_actor sink) override;

  void unsubscribe(const std::string& component,
                   const listener_actor& sink) override;

private:
  struct candidate_entry {
    uint64_t id;
    election_events_actor events;
  };

  struct component_state {
    /// Front is the leader once granted.
    std::deque<candidate_entry> queue;
    std::optional<uint64_t> leader;
    epoch_t last_epoch = 0;
    leader_info published;
    std::vector<listener_actor> subscribers;
  };

  void grant_front(component_state& st);

  void set_published(const std::string& component, component_state& st,
                     leader_info info);

  std::mutex mtx_;
  std::map<std::string, component_state> components_;
};

} // namespace ha
