#pragma once

#include <memory>

#include "caf_ha/backends/election_driver.hpp"
#include "caf_ha/backends/retrieval_driver.hpp"

namespace ha {

class journal;

/// Journals every call into a backend driver as an `out` record of the
/// actor that made it (`elector/<component>` or `retriever/<component>`,
/// peer `driver`), then makes the call. Wrapping the driver instead of
/// journaling in the actors means no call can bypass the journal, so a
/// replay sees every change in what an actor asks of its backend.
class journaled_driver : public election_driver, public retrieval_driver {
public:
  journaled_driver(std::shared_ptr<journal> sink,
                   std::shared_ptr<election_driver> election,
                   std::shared_ptr<retrieval_driver> retrieval);

  void join(const std::string& component, uint64_t candidate,
            const contender_options& options,
            election_events_actor events) override;

  bool spans_processes() const override;

  void participants(const std::string& component, uint64_t request,
                    election_events_actor events) override;

  void leave(const std::string& component, uint64_t candidate) override;

  /// Journaled as the `driver.leave` and `driver.join` it amounts to.
  void requeue(const std::string& component, uint64_t old_candidate,
               uint64_t candidate, const contender_options& options,
               election_events_actor events) override;

  void transfer(const std::string& component, const std::string& to,
                uint64_t request, election_events_actor events) override;

  void publish(const std::string& component, uint64_t candidate,
               const leader_info& info) override;

  void subscribe(const std::string& component, listener_actor sink) override;

  void unsubscribe(const std::string& component,
                   const listener_actor& sink) override;

private:
  std::shared_ptr<journal> sink_;
  std::shared_ptr<election_driver> election_;
  std::shared_ptr<retrieval_driver> retrieval_;
};

/// `driver` behind a `journaled_driver` if there is a journal, else
/// `driver` itself.
std::shared_ptr<election_driver>
journaled(std::shared_ptr<election_driver> driver,
          const std::shared_ptr<journal>& sink);

std::shared_ptr<retrieval_driver>
journaled(std::shared_ptr<retrieval_driver> driver,
          const std::shared_ptr<journal>& sink);

} // namespace ha
