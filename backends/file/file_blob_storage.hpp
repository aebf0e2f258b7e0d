#pragma once

#include "caf_ha/backends/blob_storage.hpp"

namespace ha {

/// `blob_storage` on a POSIX file system: writes go to `.tmp-*` files in the
/// target directory, are fsynced, renamed into place and made durable by an
/// fsync of the directory. Stateless: one instance may serve any number of
/// threads.
class file_blob_storage : public blob_storage {
public:
  caf::expected<std::unique_ptr<blob_reader>>
  open_read(const std::string& path) override;

  caf::expected<std::unique_ptr<blob_writer>>
  create(const std::string& dir) override;

  caf::error make_dirs(const std::string& dir) override;

  caf::error remove(const std::string& path) override;

  caf::error remove_all(const std::string& dir) override;
};

/// True for the names `file_blob_storage` gives files not yet committed.
bool is_temporary_blob_file(const std::string& file_name);

/// Removes the temporary files in the job directories under `root` (the
/// blob store's layout) whose writer is gone: a writer holds a lock on its
/// file while it lives, so a live upload of any process is left alone.
/// Returns how many were removed; a missing `root` has none.
caf::expected<size_t> remove_abandoned_temporary_files(const std::string& root);

} // namespace ha
