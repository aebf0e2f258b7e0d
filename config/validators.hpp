#pragma once

#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

/// The checks the option table uses. Each takes the key as the user spelled
/// it and the value, and returns the value normalized (canonical spelling,
/// `file://` stripped, ...) or an `errc::invalid_config` error whose one-line
/// message names the key, the value and what is allowed.
namespace ha::validators {

/// `invalid value 'VALUE' for KEY: expected EXPECTED`.
caf::error invalid_value(const std::string& key, const std::string& value,
                         const std::string& expected);

/// NONE | embedded | sqlite | zookeeper, any case; normalized to that case.
caf::expected<std::string> mode(const std::string& key,
                                const std::string& value);

/// 1..255 of [A-Za-z0-9._-], not `.` or `..`: it becomes a directory and a
/// ZooKeeper node name.
caf::expected<std::string> cluster_id(const std::string& key,
                                      const std::string& value);

/// A non-empty local path; a leading `file://` (or Java's `file:/`) is
/// stripped. Other URI schemes are rejected: we cannot write to them.
caf::expected<std::string> local_path(const std::string& key,
                                      const std::string& value);

/// `host:port[,host:port...]`, IPv6 hosts in brackets; spaces around entries
/// are dropped.
caf::expected<std::string> zookeeper_quorum(const std::string& key,
                                            const std::string& value);

/// An integer 1..2^31-1 (milliseconds): ZooKeeper takes them as `int`.
caf::expected<std::string> positive_millis(const std::string& key,
                                           const std::string& value);

/// A count 1..2^31-1.
caf::expected<std::string> positive_count(const std::string& key,
                                          const std::string& value);

/// An integer 0..2^31-1.
caf::expected<std::string> non_negative_int(const std::string& key,
                                            const std::string& value);

/// true or false.
caf::expected<std::string> boolean(const std::string& key,
                                   const std::string& value);

/// An absolute ZooKeeper path: starts with `/`, no trailing `/` unless it is
/// exactly `/`, no empty, `.` or `..` segments (ZooKeeper rejects those).
caf::expected<std::string> znode_path(const std::string& key,
                                      const std::string& value);

/// A host name or an IP address (IPv6 without brackets).
caf::expected<std::string> host(const std::string& key,
                                const std::string& value);

/// A port to connect to: 1..65535.
caf::expected<std::string> port(const std::string& key,
                                const std::string& value);

/// A port to listen on: 0..65535, where 0 picks a free port.
caf::expected<std::string> listen_port(const std::string& key,
                                       const std::string& value);

/// Component names separated by commas (each as component::canonical
/// accepts it), or `*` for all; empty for none. Normalised to canonical
/// names without spaces.
caf::expected<std::string> component_list(const std::string& key,
                                          const std::string& value);

} // namespace ha::validators
