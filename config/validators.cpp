#include "caf_ha/config/validators.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "caf_ha/config/ha_mode.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ids.hpp"

namespace ha::validators {

namespace {

constexpr int64_t max_int = std::numeric_limits<int32_t>::max();

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t result = 0;
  auto last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), last, result);
  if (text.empty() || ec != std::errc{} || ptr != last)
    return std::nullopt;
  return result;
}

/// Accepts an integer in [min, max] and normalizes it (no leading zeros).
/// `expected` says what is allowed; `too_large`, if given, replaces it for
/// numbers above `max` that the bare description would admit.
caf::expected<std::string>
int_in_range(const std::string& key, const std::string& value, int64_t min,
             int64_t max, const std::string& expected,
             const std::string& too_large = {}) {
  auto number = parse_int(value);
  if (!number || *number < min)
    return invalid_value(key, value, expected);
  if (*number > max)
    return invalid_value(key, value, too_large.empty() ? expected : too_large);
  return std::to_string(*number);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool is_host(std::string_view x) {
  if (x.empty() || x.size() > 253)
    return false;
  for (auto c : x)
    if (!is_name_char(c) && c != ':')
      return false;
  return true;
}

/// ZooKeeper refuses node names with these; a path with one never works.
bool has_control_char(std::string_view x) {
  for (auto c : x)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return true;
  return false;
}

std::string_view trimmed(std::string_view x) {
  auto first = x.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = x.find_last_not_of(" \t");
  return x.substr(first, last - first + 1);
}

/// Checks one `host:port` or `[ipv6]:port` entry of a quorum.
bool is_host_port(std::string_view entry) {
  std::string_view host_part;
  std::string_view rest;
  if (!entry.empty() && entry.front() == '[') {
    auto close = entry.find(']');
    if (close == std::string_view::npos)
      return false;
    host_part = entry.substr(1, close - 1);
    rest = entry.substr(close + 1);
  } else {
    auto colon = entry.find(':');
    if (colon == std::string_view::npos)
      return false;
    host_part = entry.substr(0, colon);
    rest = entry.substr(colon);
    if (host_part.find(':') != std::string_view::npos)
      return false;
  }
  if (rest.size() < 2 || rest.front() != ':' || !is_host(host_part))
    return false;
  auto port_number = parse_int(rest.substr(1));
  return port_number && *port_number >= 1 && *port_number <= 65535;
}

} // namespace

caf::error invalid_value(const std::string& key, const std::string& value,
                         const std::string& expected) {
  return make_error(errc::invalid_config, "invalid value " + quoted(value)
                                            + " for " + key + ": expected "
                                            + expected);
}

caf::expected<std::string> mode(const std::string& key,
                                const std::string& value) {
  if (auto parsed = parse_ha_mode(value))
    return to_string(*parsed);
  return make_error(errc::invalid_config,
                    "unknown high-availability mode " + quoted(value)
                      + " (key " + key + "): expected one of "
                      + ha_mode_names());
}

caf::expected<std::string> cluster_id(const std::string& key,
                                      const std::string& value) {
  auto ok = !value.empty() && value.size() <= 255 && value != "."
            && value != "..";
  for (auto c : value)
    ok = ok && is_name_char(c);
  if (!ok)
    return invalid_value(key, value,
                         "1 to 255 letters, digits, '.', '_' or '-' "
                         "(not '.' or '..')");
  return value;
}

caf::expected<std::string> local_path(const std::string& key,
                                      const std::string& value) {
  std::string_view path = value;
  if (path.substr(0, 7) == "file://")
    path.remove_prefix(7);
  else if (path.substr(0, 6) == "file:/")
    path.remove_prefix(5);
  if (path.empty() || path.find("://") != std::string_view::npos)
    return invalid_value(key, value, "a local path or a file:// URI");
  return std::string{path};
}

caf::expected<std::string> zookeeper_quorum(const std::string& key,
                                            const std::string& value) {
  std::string result;
  std::string_view rest = value;
  for (;;) {
    auto comma = rest.find(',');
    auto entry = trimmed(rest.substr(0, comma));
    if (!is_host_port(entry))
      return invalid_value(key, value,
                           "a comma separated list of host:port with ports "
                           "1..65535, e.g. zk1:2181,zk2:2181 (bad entry "
                             + quoted(std::string{entry}) + ")");
    result += result.empty() ? "" : ",";
    result += entry;
    if (comma == std::string_view::npos)
      return result;
    rest.remove_prefix(comma + 1);
  }
}

caf::expected<std::string> positive_millis(const std::string& key,
                                           const std::string& value) {
  return int_in_range(key, value, 1, max_int,
                      "a positive integer (milliseconds)",
                      "a positive integer (milliseconds) up to 2147483647");
}

caf::expected<std::string> positive_count(const std::string& key,
                                          const std::string& value) {
  return int_in_range(key, value, 1, max_int, "a positive integer",
                      "a positive integer up to 2147483647");
}

caf::expected<std::string> component_list(const std::string& key,
                                          const std::string& value) {
  std::string result;
  std::string_view rest = value;
  while (!value.empty()) {
    auto comma = rest.find(',');
    auto item = std::string{trimmed(rest.substr(0, comma))};
    auto name = item == "*" ? caf::expected<std::string>{item}
                            : component::canonical(item);
    if (!name)
      return invalid_value(key, value,
                           "component names separated by commas, or *");
    result += (result.empty() ? "" : ",") + *name;
    if (comma == std::string_view::npos)
      break;
    rest.remove_prefix(comma + 1);
  }
  return result;
}

caf::expected<std::string> non_negative_int(const std::string& key,
                                            const std::string& value) {
  return int_in_range(key, value, 0, max_int, "an integer >= 0",
                      "an integer 0..2147483647");
}

caf::expected<std::string> znode_path(const std::string& key,
                                      const std::string& value) {
  auto ok = !value.empty() && value.front() == '/';
  if (ok && value != "/") {
    // Every segment after a '/' must be a real node name.
    std::string_view rest{value};
    while (ok && !rest.empty()) {
      rest.remove_prefix(1);
      auto segment = rest.substr(0, rest.find('/'));
      ok = !segment.empty() && segment != "." && segment != ".."
           && !has_control_char(segment);
      rest.remove_prefix(segment.size());
    }
  }
  if (!ok)
    return invalid_value(key, value,
                         "an absolute ZooKeeper path such as /flink "
                         "(starting with '/', no trailing '/', no empty, "
                         "'.' or '..' segments, no control characters)");
  return value;
}

caf::expected<std::string> host(const std::string& key,
                                const std::string& value) {
  if (!is_host(value))
    return invalid_value(key, value, "a host name or IP address");
  return value;
}

caf::expected<std::string> port(const std::string& key,
                                const std::string& value) {
  return int_in_range(key, value, 1, 65535, "a port number 1..65535");
}

caf::expected<std::string> listen_port(const std::string& key,
                                       const std::string& value) {
  return int_in_range(key, value, 0, 65535,
                      "a port number 0..65535 (0 picks a free port)");
}

caf::expected<std::string> boolean(const std::string& key,
                                   const std::string& value) {
  if (value == "true" || value == "false")
    return value;
  return invalid_value(key, value, "true or false");
}

} // namespace ha::validators
