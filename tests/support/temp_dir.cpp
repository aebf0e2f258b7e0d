#include "tests/support/temp_dir.hpp"

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

} // namespace ha::test
