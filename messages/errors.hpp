#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

namespace ha {

/// Every error the services report. Registered as the CAF error category
/// `error_category`, so a remote peer renders it by name.
enum class errc : uint8_t {
  /// The caller does not hold the leadership the operation needs.
  not_leader = 1,
  /// A write carried an epoch its component's election no longer grants.
  fenced,
  /// The named object does not exist.
  not_found,
  /// The named object exists already.
  already_exists,
  /// Stored data failed a consistency check (hash, schema, parse).
  corrupted,
  /// The backend (database, ZooKeeper, ha-node) cannot be reached.
  backend_unavailable,
  /// A configuration key or value is wrong.
  invalid_config,
  /// A request was malformed (bad component name, bad id, too large).
  invalid_argument,
  /// The feature or mode exists in the design but is not built yet.
  not_available,
  /// The service was closed.
  closed,
  /// The backend refused this client's credentials for the named object.
  permission_denied,
  /// A limit of the service is reached (open uploads of a peer or of all
  /// peers); the context names the limit and its configuration key.
  limit_reached,
};

/// The category atom of `errc` errors.
constexpr caf::atom_value error_category = caf::atom("caf_ha");

std::string to_string(errc x);

inline caf::error make_error(errc x) {
  return {static_cast<uint8_t>(x), error_category};
}

/// An error whose context names the object or value that was wrong.
inline caf::error make_error(errc x, std::string what) {
  return {static_cast<uint8_t>(x), error_category,
          caf::make_message(std::move(what))};
}

/// `value` for a one-line message: in single quotes, newlines and other
/// control characters escaped, cut after 120 characters, so that a value
/// from a peer, a file or a command line can neither break the line nor
/// flood a log.
std::string quoted(const std::string& value);

/// One line for a user: the context of an `errc` error (which names what
/// was wrong), or CAF's rendering of any other error.
std::string describe(const caf::error& err);

/// True if `err` is the `errc` value `x`.
inline bool is(const caf::error& err, errc x) {
  // A none error has no category to read.
  return err && err.category() == error_category
         && err.code() == static_cast<uint8_t>(x);
}

} // namespace ha
