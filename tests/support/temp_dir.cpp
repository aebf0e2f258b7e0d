#include "tests/support/temp_dir.hpp"

#include <fstream>
#include <stdexcept>
#include <system_error>

#include <stdlib.h>

namespace ha::test {

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/caf-ha-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name,
                            const std::string& text) const {
  auto path = (path_ / name).string();
  std::ofstream out{path, std::ios::binary};
  out << text;
  if (!out.flush())
    throw std::runtime_error("cannot write " + path);
  return path;
}

} // namespace ha::test
