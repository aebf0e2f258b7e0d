#include "caf_ha/config/config.hpp"

#include <algorithm>
#include <charconv>

#include "caf_ha/config/yaml_reader.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

const std::string mode_key = "high-availability";

/// Options a mode cannot run without and that have no default.
struct requirement {
  ha_mode mode;
  const char* key;
};

constexpr requirement requirements[] = {
  {ha_mode::sqlite, "high-availability.storageDir"},
  {ha_mode::zookeeper, "high-availability.zookeeper.quorum"},
  {ha_mode::zookeeper, "high-availability.storageDir"},
};

std::string trimmed(const std::string& x) {
  auto first = x.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  auto last = x.find_last_not_of(" \t\r\n");
  return x.substr(first, last - first + 1);
}

void warn_unknown(const std::string& key, const std::string& where,
                  std::vector<std::string>* warnings) {
  if (warnings == nullptr)
    return;
  auto line = "ignoring unknown config key " + quoted(key) + where;
  if (auto close = closest_option_key(key); !close.empty())
    line += "; did you mean '" + close + "'?";
  warnings->push_back(std::move(line));
}

/// The first place an option was given in a file, to report a conflict.
struct first_given {
  const yaml_entry* entry;
  std::string normalized;
};

caf::error conflict(const std::string& key, const std::string& path,
                    const yaml_entry& first, const yaml_entry& second) {
  auto describe = [](const yaml_entry& x) {
    return quoted(x.value) + " (" + x.key + ", line "
           + std::to_string(x.line) + ")";
  };
  return make_error(errc::invalid_config,
                    "conflicting values for " + key + " in config file "
                      + quoted(path) + ": " + describe(first) + " and "
                      + describe(second) + "; give it once");
}

} // namespace

config::config() = default;

caf::expected<config>
config::load(const std::string& yaml_path,
             const std::vector<std::string>& overrides,
             std::vector<std::string>* warnings) {
  config result;
  if (!yaml_path.empty())
    if (auto err = result.apply_file(yaml_path, warnings))
      return err;
  for (auto& argument : overrides)
    if (auto err = result.apply_override(argument, warnings))
      return err;
  return result;
}

caf::error config::set(const std::string& key, const std::string& value,
                       std::vector<std::string>* warnings) {
  return set_option(key, value, "", warnings);
}

caf::error config::apply_file(const std::string& path,
                              std::vector<std::string>* warnings) {
  auto entries = read_yaml_file(path);
  if (!entries)
    return std::move(entries.error());
  std::map<std::string, first_given> given;
  for (auto& entry : *entries) {
    auto where = " in config file " + quoted(path) + " (line "
                 + std::to_string(entry.line) + ")";
    auto opt = find_option(entry.key);
    if (opt == nullptr) {
      warn_unknown(entry.key, where, warnings);
      continue;
    }
    if (!entry.problem.empty())
      return make_error(errc::invalid_config, "invalid value for " + entry.key
                                                + where + ": "
                                                + entry.problem);
    auto normalized = opt->validate(entry.key, trimmed(entry.value));
    if (!normalized)
      return std::move(normalized.error());
    auto [pos, first] = given.emplace(opt->key, first_given{&entry, {}});
    if (first)
      pos->second.normalized = *normalized;
    else if (pos->second.normalized != *normalized)
      return conflict(opt->key, path, *pos->second.entry, entry);
    values_[opt->key] = std::move(*normalized);
  }
  return {};
}

caf::error config::apply_override(const std::string& argument,
                                  std::vector<std::string>* warnings) {
  auto equals = argument.find('=');
  auto key = trimmed(argument.substr(0, equals));
  if (equals == std::string::npos || key.empty())
    return make_error(errc::invalid_config, "malformed override "
                                              + quoted(argument)
                                              + " (expected key=value)");
  return set_option(key, argument.substr(equals + 1),
                    " in override " + quoted(argument), warnings);
}

caf::error config::set_option(const std::string& key, const std::string& value,
                              const std::string& where,
                              std::vector<std::string>* warnings) {
  auto name = trimmed(key);
  auto opt = find_option(name);
  if (opt == nullptr) {
    warn_unknown(name, where, warnings);
    return {};
  }
  auto normalized = opt->validate(name, trimmed(value));
  if (!normalized)
    return std::move(normalized.error());
  values_[opt->key] = std::move(*normalized);
  return {};
}

const std::string& config::get_string(const std::string& key) const {
  static const std::string none;
  auto opt = find_option(key);
  if (opt == nullptr)
    return none;
  if (auto i = values_.find(opt->key); i != values_.end())
    return i->second;
  return opt->default_value;
}

int64_t config::get_int(const std::string& key) const {
  const auto& text = get_string(key);
  int64_t result = 0;
  auto last = text.data() + text.size();
  if (auto [ptr, ec] = std::from_chars(text.data(), last, result);
      ec != std::errc{} || ptr != last)
    return 0;
  return result;
}

bool config::has(const std::string& key) const {
  auto opt = find_option(key);
  return opt != nullptr
         && (values_.count(opt->key) > 0 || !opt->default_value.empty());
}

ha_mode config::mode() const {
  // Stored values are validated, so the fallback is only for safety.
  return parse_ha_mode(get_string(mode_key)).value_or(ha_mode::none);
}

std::string config::cluster_id() const {
  return get_string("high-availability.cluster-id");
}

std::vector<std::pair<std::string, std::string>> config::entries() const {
  std::vector<std::pair<std::string, std::string>> result;
  for (auto& opt : option_table())
    if (has(opt.key))
      result.emplace_back(opt.key, get_string(opt.key));
  std::sort(result.begin(), result.end());
  return result;
}

caf::error config::check_consistent() const {
  auto interval = get_int("ha.heartbeat.interval");
  auto timeout = get_int("ha.heartbeat.timeout");
  if (timeout > interval)
    return caf::none;
  return make_error(errc::invalid_config,
                    "ha.heartbeat.timeout (" + std::to_string(timeout)
                      + " ms) must be larger than ha.heartbeat.interval ("
                      + std::to_string(interval)
                      + " ms): a peer would count as failed between two "
                        "heartbeats");
}

caf::error config::check_required() const {
  if (auto err = check_consistent())
    return err;
  for (auto& req : requirements)
    if (req.mode == mode() && !has(req.key))
      return make_error(errc::invalid_config,
                        mode_key + " " + to_string(req.mode) + " requires "
                          + req.key + ", which has no default");
  return {};
}

} // namespace ha
