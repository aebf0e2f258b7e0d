#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace ha {

/// Checks a value given for `key` (spelled as the user wrote it, so an alias
/// shows up in the message) and returns it normalized, or an
/// `errc::invalid_config` error. See config/validators.hpp.
using option_validator = caf::expected<std::string> (*)(const std::string& key,
                                                        const std::string&
                                                          value);

/// One configuration option. The table of these is the single source of the
/// keys, defaults, validation and the README's option table.
struct option {
  std::string key;
  /// Empty: no default, the option is unset until given.
  std::string default_value;
  option_validator validate;
  /// One line for the README.
  std::string doc;
  /// Another accepted spelling (usually Flink's), or empty.
  std::string alias = {};
};

/// Every option, in README order.
const std::vector<option>& option_table();

/// The option that `key` names, by its key or its alias; nullptr if unknown.
const option* find_option(const std::string& key);

/// The known key or alias closest to `key` (a likely typo), or empty if none
/// is close.
std::string closest_option_key(const std::string& key);

/// Markdown table (| key | default | description |) of `option_table()`,
/// for the README.
std::string option_table_markdown();

} // namespace ha
