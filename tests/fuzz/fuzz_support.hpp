#pragma once

// What the fuzz targets share: the input as text, files for the parsers that
// read files, and checks that make the fuzzer keep an input.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include <caf/actor_system_config.hpp>

namespace ha::fuzz {

/// The input as a string (bytes as they are, NULs included).
std::string text(const uint8_t* data, size_t size);

/// Aborts, so that libFuzzer saves the input, unless `ok`; `what` names the
/// broken promise.
void expect(bool ok, const char* what);

/// Silences the library's loggers: a line per input would slow the fuzzer
/// down and bury its own output.
void silence_logs();

/// A private directory under the temp dir, removed at exit, where a target
/// writes its input for a parser that takes a path.
class scratch_dir {
public:
  scratch_dir();
  ~scratch_dir();

  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  /// The path of `name` in the directory.
  std::string path(const std::string& name) const;

  /// Replaces the file `name` with `bytes`; its path.
  std::string write(const std::string& name, const std::string& bytes) const;

private:
  std::filesystem::path dir_;
};

/// The whole content of the file at `path` ("" if there is none).
std::string read_file(const std::string& path);

/// An actor system's configuration with every caf-ha type registered.
struct registered_config : caf::actor_system_config {
  registered_config();
};

} // namespace ha::fuzz
