#include "caf_ha/messages/leader_info.hpp"

#include <algorithm>

namespace ha {

caf::error check_leader_address(const std::string& address) {
  if (address.empty())
    return make_error(errc::invalid_argument,
                      "a leader's address must not be empty (the empty "
                      "address means \"no leader\")");
  if (address.size() > max_leader_address)
    return make_error(errc::invalid_argument,
                      "a leader's address may have at most "
                        + std::to_string(max_leader_address) + " bytes, got "
                        + std::to_string(address.size()));
  auto control = std::find_if(address.begin(), address.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  if (control != address.end())
    return make_error(errc::invalid_argument,
                      "a leader's address must not contain control "
                      "characters (byte "
                        + std::to_string(static_cast<unsigned char>(*control))
                        + " at offset "
                        + std::to_string(control - address.begin()) + ")");
  return caf::none;
}

} // namespace ha
