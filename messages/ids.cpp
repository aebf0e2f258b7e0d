#include "caf_ha/messages/ids.hpp"

#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/hex.hpp"

namespace ha {

namespace {

constexpr std::string_view job_manager_prefix = "job_manager/";

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
  std::string result;
  result.reserve(32);
  hex::append(result, x.bytes);
  return result;
}

std::optional<job_id> parse_job_id(const std::string& str) {
  if (str.size() != 32)
    return std::nullopt;
  job_id result;
  if (!hex::parse(str, 0, result.bytes))
    return std::nullopt;
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

caf::expected<std::string> canonical(const std::string& name) {
  if (name == resource_manager || name == dispatcher || name == rest)
    return name;
  if (auto job = job_of(name))
    return job_manager(*job);
  return make_error(errc::invalid_argument,
                    "unknown component " + quoted(name)
                      + ": expected resource_manager, dispatcher, rest or "
                        "job_manager/<32 hex digits>");
}

} // namespace component

} // namespace ha
