#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace ha {

/// One `key: value` of a config file. Nested maps are flattened to dotted
/// keys, so Flink's flat style and nested maps read the same.
struct yaml_entry {
  std::string key;
  /// The scalar value; empty when `problem` is set.
  std::string value;
  /// Why there is no scalar value ("no value given", ...), or
  /// empty. The caller decides: an error for a known key, a warning else.
  std::string problem;
  /// 1-based line of the key, for messages.
  int line = 0;
};

/// Reads and flattens the YAML file at `path`, in document order. Errors
/// (`errc::invalid_config`) name the file: `cannot read config file ...` or
/// `malformed config file ...` with line and column. An empty file has no
/// entries.
caf::expected<std::vector<yaml_entry>> read_yaml_file(const std::string& path);

/// Flattens YAML `text`; `name` is the file name used in error messages.
caf::expected<std::vector<yaml_entry>> parse_yaml(const std::string& text,
                                                  const std::string& name);

} // namespace ha
