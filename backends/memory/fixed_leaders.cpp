#include "caf_ha/backends/memory/fixed_leaders.hpp"

#include <caf/send.hpp>

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

fixed_leaders::fixed_leaders(std::string rpc_address, std::string rest_address)
  : rpc_address_(std::move(rpc_address)),
    rest_address_(std::move(rest_address)) {
}

void fixed_leaders::join(const std::string&, uint64_t candidate,
                         const contender_options&,
                         election_events_actor events) {
  caf::anon_send(events, granted_atom::value, candidate, epoch_t{0});
}

void fixed_leaders::leave(const std::string&, uint64_t) {
  // Nothing to hand over: every candidate leads.
}

void fixed_leaders::requeue(const std::string& component, uint64_t,
                            uint64_t candidate,
                            const contender_options& options,
                            election_events_actor events) {
  join(component, candidate, options, std::move(events));
}

void fixed_leaders::transfer(const std::string& component, const std::string&,
                             uint64_t request, election_events_actor events) {
  caf::anon_send(events, transfer_atom::value, request,
                 make_error(errc::not_available,
                            component + ": mode NONE has fixed leaders; "
                                        "there is nothing to transfer"));
}

void fixed_leaders::publish(const std::string&, uint64_t,
                            const leader_info&) {
  // The addresses are fixed by the configuration.
}

void fixed_leaders::subscribe(const std::string& name,
                              listener_actor sink) {
  leader_info info;
  info.address = name == component::rest ? rest_address_ : rpc_address_;
  caf::anon_send(sink, leader_atom::value, name, std::move(info));
}

void fixed_leaders::unsubscribe(const std::string&, const listener_actor&) {
  // Nothing is ever sent after the first message.
}

caf::error fixed_leaders::run_fenced(const fencing_token& fence,
                                     const std::function<caf::error()>& write) {
  // No failover: nothing can change the grant during the write.
  if (fence.epoch != 0)
    return never_issued_error(fence);
  return write();
}

} // namespace ha
