#include "caf_ha/actors/journal/journaled_driver.hpp"

#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/journal/journal_hook.hpp"

namespace ha {

namespace {

journal_hook elector_hook(const std::shared_ptr<journal>& sink,
                          const std::string& component) {
  return journal_hook{sink, "elector/" + component};
}

journal_hook retriever_hook(const std::shared_ptr<journal>& sink,
                            const std::string& component) {
  return journal_hook{sink, "retriever/" + component};
}

} // namespace

journaled_driver::journaled_driver(std::shared_ptr<journal> sink,
                                   std::shared_ptr<election_driver> election,
                                   std::shared_ptr<retrieval_driver> retrieval)
  : sink_(std::move(sink)),
    election_(std::move(election)),
    retrieval_(std::move(retrieval)) {
  // nop
}

std::shared_ptr<election_driver>
journaled(std::shared_ptr<election_driver> driver,
          const std::shared_ptr<journal>& sink) {
  if (!sink)
    return driver;
  return std::make_shared<journaled_driver>(sink, std::move(driver),
                                            nullptr);
}

std::shared_ptr<retrieval_driver>
journaled(std::shared_ptr<retrieval_driver> driver,
          const std::shared_ptr<journal>& sink) {
  if (!sink)
    return driver;
  return std::make_shared<journaled_driver>(sink, nullptr, std::move(driver));
}

void journaled_driver::join(const std::string& component, uint64_t candidate,
                            const contender_options& options,
                            election_events_actor events) {
  elector_hook(sink_, component)
    .out(driver_peer, "driver.join",
         {{"candidate", std::to_string(candidate)}});
  election_->join(component, candidate, options, std::move(events));
}

bool journaled_driver::spans_processes() const {
  return election_->spans_processes();
}

void journaled_driver::participants(const std::string& component,
                                    uint64_t request,
                                    election_events_actor events) {
  election_->participants(component, request, std::move(events));
}

void journaled_driver::leave(const std::string& component,
                             uint64_t candidate) {
  elector_hook(sink_, component)
    .out(driver_peer, "driver.leave",
         {{"candidate", std::to_string(candidate)}});
  election_->leave(component, candidate);
}

void journaled_driver::requeue(const std::string& component,
                               uint64_t old_candidate, uint64_t candidate,
                               const contender_options& options,
                               election_events_actor events) {
  auto hook = elector_hook(sink_, component);
  hook.out(driver_peer, "driver.leave",
           {{"candidate", std::to_string(old_candidate)}});
  hook.out(driver_peer, "driver.join",
           {{"candidate", std::to_string(candidate)}});
  election_->requeue(component, old_candidate, candidate, options,
                     std::move(events));
}

void journaled_driver::transfer(const std::string& component,
                                const std::string& to, uint64_t request,
                                election_events_actor events) {
  elector_hook(sink_, component)
    .out(driver_peer, "driver.transfer",
         {{"request", std::to_string(request)}, {"to", to}});
  election_->transfer(component, to, request, std::move(events));
}

void journaled_driver::publish(const std::string& component,
                               uint64_t candidate, const leader_info& info) {
  auto fields = leader_fields(info);
  fields.emplace(fields.begin(), "candidate", std::to_string(candidate));
  elector_hook(sink_, component)
    .out(driver_peer, "driver.publish", std::move(fields));
  election_->publish(component, candidate, info);
}

void journaled_driver::subscribe(const std::string& component,
                                 listener_actor sink) {
  retriever_hook(sink_, component).out(driver_peer, "driver.subscribe");
  retrieval_->subscribe(component, std::move(sink));
}

void journaled_driver::unsubscribe(const std::string& component,
                                   const listener_actor& sink) {
  retriever_hook(sink_, component).out(driver_peer, "driver.unsubscribe");
  retrieval_->unsubscribe(component, sink);
}

} // namespace ha
