#pragma once

#include <string>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ids.hpp"

namespace ha {

/// Who leads a component: what a confirmed leader published. The empty
/// address with the nil session id and epoch 0 means "no leader".
struct leader_info {
  std::string address;
  session_id session = nil_session_id();
  epoch_t epoch = 0;

  bool empty() const {
    return address.empty() && session.is_nil();
  }

  /// Listeners see a change only when address or session differ.
  bool same_leader(const leader_info& other) const {
    return address == other.address && session == other.session;
  }
};

/// None, or invalid_argument for an address a leader may not publish: the
/// empty one means "no leader", so a confirmed leader with it would look
/// like none to every listener.
inline caf::error check_leader_address(const std::string& address) {
  if (!address.empty())
    return caf::none;
  return make_error(errc::invalid_argument,
                    "a leader's address must not be empty (the empty "
                    "address means \"no leader\")");
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leader_info& x) {
  return f(caf::meta::type_name("leader_info"), x.address, x.session,
           x.epoch);
}

} // namespace ha
