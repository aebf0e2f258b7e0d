#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace ha {

/// The file or directory a node opened, by device and inode: a path that
/// later names another inode (deleted, replaced, a fresh directory) is no
/// longer the storage the node holds open, and writes to what the node
/// still holds would be lost. One `stat` per check.
class storage_identity {
public:
  /// What `path` names now; backend_unavailable naming it if nothing.
  static caf::expected<storage_identity> of(const std::string& path);

  /// None while `path` still names the same inode; otherwise
  /// backend_unavailable saying what happened and that writes are refused.
  caf::error verify() const;

  const std::string& path() const {
    return path_;
  }

private:
  storage_identity(std::string path, uint64_t dev, uint64_t ino)
    : path_(std::move(path)), dev_(dev), ino_(ino) {}

  std::string path_;
  uint64_t dev_;
  uint64_t ino_;
};

} // namespace ha
