#pragma once

#include <filesystem>
#include <string>

namespace ha::test {

/// A fresh directory under /tmp, removed with everything in it at the end.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const {
    return path_;
  }

  std::string str() const {
    return path_.string();
  }

private:
  std::filesystem::path path_;
};

} // namespace ha::test
