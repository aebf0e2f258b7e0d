#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "caf_ha/config/ha_mode.hpp"
#include "caf_ha/config/options.hpp"

namespace ha {

/// The effective configuration of one process: the defaults of the option
/// table (config/options.hpp), then a YAML file, then `-D key=value`
/// overrides. Every stored value is validated and normalized.
///
/// Precedence: a file states each option once (giving it twice with
/// different values, e.g. as `high-availability` and its alias
/// `high-availability.type`, is an error); overrides apply in order after
/// the file, and the last one wins, whichever spelling it uses.
class config {
public:
  /// All defaults.
  config();

  /// Loads `yaml_path` (empty = no file), then applies `overrides`
  /// ("key=value" strings, as given to -D) in order. Unknown keys are not
  /// errors: one warning line each, naming the key, is appended to
  /// `warnings` (if non-null). Errors are `errc::invalid_config` with a
  /// one-line message naming the key or file, the value and what is allowed.
  static caf::expected<config>
  load(const std::string& yaml_path, const std::vector<std::string>& overrides,
       std::vector<std::string>* warnings = nullptr);

  /// Validates and sets one key (or alias); same errors as `load`.
  caf::error set(const std::string& key, const std::string& value,
                 std::vector<std::string>* warnings = nullptr);

  /// The validated, normalized value of `key` (or its alias), else its
  /// default, else "" (also for unknown keys).
  const std::string& get_string(const std::string& key) const;

  /// `get_string(key)` as a number; 0 if it has no value or is not an
  /// integer option.
  int64_t get_int(const std::string& key) const;

  /// True if `key` was set explicitly or has a default.
  bool has(const std::string& key) const;

  ha_mode mode() const;

  std::string cluster_id() const;

  /// All effective key/value pairs, sorted by key, for logging.
  std::vector<std::pair<std::string, std::string>> entries() const;

  /// Checks that the keys the mode needs and that have no default are set
  /// (sqlite: storageDir; zookeeper: quorum and storageDir), and
  /// check_consistent. Not part of
  /// `load`, so a config can be built up step by step; the services factory
  /// calls it.
  caf::error check_required() const;

  /// Checks the rules between keys: `ha.heartbeat.timeout` above
  /// `ha.heartbeat.interval` (else every connection would count as failed
  /// between two heartbeats and leadership would flap). Part of
  /// check_required and of configuring an actor system.
  caf::error check_consistent() const;

private:
  caf::error apply_file(const std::string& path,
                        std::vector<std::string>* warnings);

  caf::error apply_override(const std::string& argument,
                            std::vector<std::string>* warnings);

  /// `where` says where the key came from, for the unknown-key warning.
  caf::error set_option(const std::string& key, const std::string& value,
                        const std::string& where,
                        std::vector<std::string>* warnings);

  /// Explicitly set values by canonical key (never an alias).
  std::map<std::string, std::string> values_;
};

} // namespace ha
