#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <caf/error.hpp>

#include "caf_ha/messages/errors.hpp"

namespace ha::test {

/// The one-line message of an `errc::invalid_config` error, or a note saying
/// why there is none, so a failed CHECK shows what came back.
inline std::string message_of(const caf::error& err) {
  if (!err)
    return "<no error>";
  if (!is(err, errc::invalid_config))
    return "<not invalid_config>";
  const auto& context = err.context();
  if (!context.match_elements<std::string>())
    return "<no message>";
  return context.get_as<std::string>(0);
}

/// A YAML file in the temp directory, removed again at scope exit.
class temp_yaml {
public:
  explicit temp_yaml(const std::string& text) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path()
             / ("caf-ha-config-test-" + std::to_string(::getpid()) + "-"
                + std::to_string(counter++) + ".yaml"))
              .string();
    std::ofstream{path_} << text;
  }

  ~temp_yaml() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  temp_yaml(const temp_yaml&) = delete;
  temp_yaml& operator=(const temp_yaml&) = delete;

  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

} // namespace ha::test
