#include "tests/fuzz/fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/type_registry.hpp"

namespace ha::fuzz {

std::string text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

void expect(bool ok, const char* what) {
  if (ok)
    return;
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

void silence_logs() {
  set_logger_factory([](const std::string&) { return nullptr; });
}

scratch_dir::scratch_dir() {
  auto pattern = (std::filesystem::temp_directory_path() / "caf-ha-fuzz-XXXXXX")
                   .string();
  expect(::mkdtemp(pattern.data()) != nullptr, "a scratch directory");
  dir_ = pattern;
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string scratch_dir::path(const std::string& name) const {
  return (dir_ / name).string();
}

std::string scratch_dir::write(const std::string& name,
                               const std::string& bytes) const {
  auto result = path(name);
  std::ofstream out{result, std::ios::binary | std::ios::trunc};
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  expect(static_cast<bool>(out), "writing the input to the scratch directory");
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

registered_config::registered_config() {
  register_types(*this);
}

} // namespace ha::fuzz
