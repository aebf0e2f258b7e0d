#include "caf_ha/config/ha_mode.hpp"

#include <algorithm>
#include <cctype>

namespace ha {

namespace {

constexpr ha_mode all_modes[] = {ha_mode::none, ha_mode::embedded,
                                 ha_mode::sqlite, ha_mode::zookeeper};

bool equal_ignoring_case(std::string_view x, std::string_view y) {
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a))
           == std::tolower(static_cast<unsigned char>(b));
  };
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), same);
}

} // namespace

std::string to_string(ha_mode x) {
  switch (x) {
    case ha_mode::none:
      return "NONE";
    case ha_mode::embedded:
      return "embedded";
    case ha_mode::sqlite:
      return "sqlite";
    case ha_mode::zookeeper:
      return "zookeeper";
  }
  return "ha_mode(" + std::to_string(static_cast<int>(x)) + ")";
}

std::optional<ha_mode> parse_ha_mode(std::string_view name) {
  for (auto mode : all_modes)
    if (equal_ignoring_case(name, to_string(mode)))
      return mode;
  return std::nullopt;
}

std::string ha_mode_names() {
  std::string result;
  for (auto mode : all_modes) {
    if (!result.empty())
      result += ", ";
    result += to_string(mode);
  }
  return result;
}

} // namespace ha
