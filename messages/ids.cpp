#include "messages/ids.hpp"

#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace ha {

namespace {

constexpr std::string_view job_manager_prefix = "job_manager/";

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::string to_string(const session_id& x) {
  return boost::uuids::to_string(x);
}

std::optional<session_id> parse_session_id(const std::string& str) {
  if (str.size() != 36)
    return std::nullopt;
  try {
    return boost::uuids::string_generator{}(str);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

session_id nil_session_id() {
  return boost::uuids::uuid{};
}

std::string to_string(const job_id& x) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(32);
  for (auto byte : x.bytes) {
    result += digits[byte >> 4];
    result += digits[byte & 0x0F];
  }
  return result;
}

std::optional<job_id> parse_job_id(const std::string& str) {
  if (str.size() != 32)
    return std::nullopt;
  job_id result;
  for (size_t i = 0; i < 16; ++i) {
    auto hi = hex_value(str[2 * i]);
    auto lo = hex_value(str[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    result.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return result;
}

namespace component {

std::string job_manager(const job_id& id) {
  return std::string{job_manager_prefix} + to_string(id);
}

std::optional<job_id> job_of(const std::string& name) {
  if (name.compare(0, job_manager_prefix.size(), job_manager_prefix) != 0)
    return std::nullopt;
  return parse_job_id(name.substr(job_manager_prefix.size()));
}

bool is_valid(const std::string& name) {
  return name == resource_manager || name == dispatcher || name == rest
         || job_of(name).has_value();
}

} // namespace component

} // namespace ha
