#pragma once

#include <cstddef>
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

/// The longest address a leader may publish, in bytes: room for any URL of
/// a master, while every listener, `hactl status` and the status page
/// carry it.
constexpr size_t max_leader_address = 1024;

/// None, or invalid_argument for an address a leader may not publish: the
/// empty one means "no leader", so a confirmed leader with it would look
/// like none to every listener; one over `max_leader_address` bytes or
/// with a control character (a line break, a terminal escape) would garble
/// every log line and table that shows it.
caf::error check_leader_address(const std::string& address);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leader_info& x) {
  return f(caf::meta::type_name("leader_info"), x.address, x.session,
           x.epoch);
}

} // namespace ha
