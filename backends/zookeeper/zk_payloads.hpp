#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "caf_ha/backends/file/file_blob_storage.hpp"

namespace ha {

/// The payload files of the ZooKeeper store (job graphs, checkpoint
/// metadata) under `<storageDir>/<cluster-id>/zk-payloads`. A node holds a
/// file's name relative to that directory; the file is durable before the
/// node that points to it is written.
class zk_payloads {
public:
  explicit zk_payloads(std::string dir) : dir_(std::move(dir)) {
  }

  /// Writes `bytes` durably (temp file, fsync, rename, fsync of the
  /// directory) as a new file in `subdir`; returns its relative name.
  caf::expected<std::string> write(const std::string& subdir,
                                   const std::vector<uint8_t>& bytes);

  caf::expected<std::vector<uint8_t>> read(const std::string& name);

  /// Best effort: a leftover file wastes space but breaks nothing.
  void remove(const std::string& name);

  void remove_all();

private:
  std::string dir_;
  file_blob_storage files_;
};

} // namespace ha
