#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ha {

/// Which backend provides election and persistence (`high-availability`).
enum class ha_mode { none, embedded, sqlite, zookeeper };

/// The canonical name: `NONE`, `embedded`, `sqlite` or `zookeeper`.
std::string to_string(ha_mode x);

/// Parses a mode name case-insensitively (`none`, `ZooKeeper` are fine).
std::optional<ha_mode> parse_ha_mode(std::string_view name);

/// All canonical names, comma separated, for error messages and docs.
std::string ha_mode_names();

} // namespace ha
