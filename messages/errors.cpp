#include "caf_ha/messages/errors.hpp"

#include <caf/message.hpp>

namespace ha {

std::string to_string(errc x) {
  switch (x) {
    case errc::not_leader:
      return "not_leader";
    case errc::fenced:
      return "fenced";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::corrupted:
      return "corrupted";
    case errc::backend_unavailable:
      return "backend_unavailable";
    case errc::invalid_config:
      return "invalid_config";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::not_available:
      return "not_available";
    case errc::closed:
      return "closed";
    case errc::permission_denied:
      return "permission_denied";
    case errc::limit_reached:
      return "limit_reached";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
}

std::string quoted(const std::string& value) {
  constexpr size_t max_shown = 120;
  std::string result = "'";
  for (size_t i = 0; i < value.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c == '\n') {
      result += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      result += "\\x";
      result += hex[c >> 4];
      result += hex[c & 0xf];
    } else {
      result += static_cast<char>(c);
    }
  }
  if (value.size() > max_shown)
    result += "...";
  return result + "'";
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() != error_category)
    return caf::to_string(err);
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return to_string(static_cast<errc>(err.code()));
}

} // namespace ha
