// The config loader (config/config.hpp) as ha-node and hactl run it: a YAML
// file, then -D overrides. The input is the file's text, then the overrides,
// each after a NUL byte.

#include <string>
#include <vector>

#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;

namespace {

struct split_input {
  std::string yaml;
  std::vector<std::string> overrides;
};

split_input split(const std::string& input) {
  split_input result;
  auto nul = input.find('\0');
  result.yaml = input.substr(0, nul);
  while (nul != std::string::npos) {
    auto next = input.find('\0', nul + 1);
    result.overrides.push_back(input.substr(nul + 1, next - nul - 1));
    nul = next;
  }
  return result;
}

/// Stored values are normalized: setting them again changes nothing.
void check_normalized(const config& cfg) {
  std::vector<std::string> again;
  for (auto& [key, value] : cfg.entries())
    again.push_back(key + "=" + value);
  auto reloaded = config::load("", again);
  fuzz::expect(static_cast<bool>(reloaded),
               "a loaded config's values load again");
  fuzz::expect(reloaded->entries() == cfg.entries(),
               "a loaded config's values are stored as they are");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::scratch_dir dir;
  auto input = split(fuzz::text(data, size));
  auto path = dir.write("config.yaml", input.yaml);
  std::vector<std::string> warnings;
  auto cfg = config::load(path, input.overrides, &warnings);
  if (!cfg) {
    fuzz::expect(is(cfg.error(), errc::invalid_config),
                 "a bad config fails with invalid_config");
    fuzz::expect(describe(cfg.error()).find('\n') == std::string::npos,
                 "a config error is one line");
    return 0;
  }
  check_normalized(*cfg);
  cfg->check_required();
  for (auto& [key, value] : cfg->entries())
    cfg->get_int(key);
  return 0;
}
