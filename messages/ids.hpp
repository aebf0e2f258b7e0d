#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/uuid/uuid.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

namespace boost::uuids {

/// Lets session ids cross the CAF network as their 16 raw bytes.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, uuid& x) {
  return f(caf::meta::type_name("session_id"), x.data);
}

} // namespace boost::uuids

namespace ha {

/// A leader session: a fresh random UUID (v4) per grant; nil means "none".
using session_id = boost::uuids::uuid;

/// A component's fencing token: grows with every grant, never repeats.
using epoch_t = uint64_t;

std::string to_string(const session_id& x);

/// Parses the canonical 36-character form; nullopt on anything else.
std::optional<session_id> parse_session_id(const std::string& str);

/// The nil session id of "no leader".
session_id nil_session_id();

/// A job id: 16 bytes, printed as 32 lowercase hex characters.
struct job_id {
  std::array<uint8_t, 16> bytes{};

  friend bool operator==(const job_id& x, const job_id& y) {
    return x.bytes == y.bytes;
  }
  friend bool operator!=(const job_id& x, const job_id& y) {
    return !(x == y);
  }
  friend bool operator<(const job_id& x, const job_id& y) {
    return x.bytes < y.bytes;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_id& x) {
  return f(caf::meta::type_name("job_id"), x.bytes);
}

std::string to_string(const job_id& x);

/// Parses 32 hex characters (either case); nullopt on anything else.
std::optional<job_id> parse_job_id(const std::string& str);

/// The well-known components. A job manager's component is
/// `job_manager/<job-id>`.
namespace component {

constexpr const char* resource_manager = "resource_manager";
constexpr const char* dispatcher = "dispatcher";
constexpr const char* rest = "rest";

std::string job_manager(const job_id& id);

/// True for the three fixed names and `job_manager/<32 hex chars>`.
bool is_valid(const std::string& name);

/// The one spelling of a component that every election, retriever, store
/// key and fence uses: the three fixed names as they are, and
/// `job_manager/` with the job id in lowercase hex (hex digits are read in
/// either case, so every spelling of one job names one election). Anything
/// else (other case of the fixed parts, whitespace, other names) fails with
/// invalid_argument naming the value.
caf::expected<std::string> canonical(const std::string& name);

/// The job id of a `job_manager/<job-id>` component, if it is one.
std::optional<job_id> job_of(const std::string& name);

} // namespace component

} // namespace ha
