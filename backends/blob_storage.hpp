#pragma once

// The file I/O under the blob store (and the blob client's local files),
// behind one interface in the style of RocksDB's Env: the actors never touch
// the file system directly, so tests wrap it to inject faults (fail the next
// fsync, fill the disk) and check that nothing acknowledged is lost and
// nothing partial becomes visible.
//
// Contract, for every implementation:
// - All calls block; callers keep them off CAF's scheduler threads.
// - Errors are errc values whose context names the path and the failed
//   operation: not_found for a missing file or directory,
//   backend_unavailable for any other I/O failure.
// - A file becomes visible under its final name only through
//   `blob_writer::commit`, whole, and is durable once commit returns.
// - Objects are used by one thread at a time; distinct objects may be used
//   concurrently.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace ha {

/// Reads one existing file.
class blob_reader {
public:
  virtual ~blob_reader() = default;

  /// Reads up to `max` bytes from the current position into `buf`; 0 only
  /// at the end of the file.
  virtual caf::expected<size_t> read(uint8_t* buf, size_t max) = 0;

  /// Reads up to `max` bytes at `offset` (short only at the end of the
  /// file); leaves the current position alone.
  virtual caf::expected<size_t> read_at(uint64_t offset, uint8_t* buf,
                                        size_t max) = 0;

  /// The file's size in bytes.
  virtual caf::expected<uint64_t> size() = 0;
};

/// Writes one new file under a temporary name in its directory, which no
/// reader mistakes for a committed file. Destroying a writer that was not
/// committed removes the temporary file.
class blob_writer {
public:
  virtual ~blob_writer() = default;

  /// Appends `size` bytes. Not yet durable.
  virtual caf::error append(const uint8_t* data, size_t size) = 0;

  /// Makes the appended bytes durable (fsync).
  virtual caf::error sync() = 0;

  /// Renames the file to `name` in its directory, replacing any file of
  /// that name, and makes the rename durable (fsync of the directory).
  /// Call `sync` first: commit does not flush the content. On an error the
  /// new file is not left under `name`; the writer is spent either way.
  virtual caf::error commit(const std::string& name) = 0;

  /// Removes the temporary file; a no-op after commit.
  virtual void abort() = 0;

  /// The temporary file's path, for messages.
  virtual const std::string& path() const = 0;
};

/// Opens, creates and removes files and directories.
class blob_storage {
public:
  virtual ~blob_storage() = default;

  /// Opens `path` for reading.
  virtual caf::expected<std::unique_ptr<blob_reader>>
  open_read(const std::string& path) = 0;

  /// Starts a new file in `dir`, which must exist.
  virtual caf::expected<std::unique_ptr<blob_writer>>
  create(const std::string& dir) = 0;

  /// Creates `dir` and its missing parents, durably (each new entry's
  /// parent is fsynced). Existing directories are fine.
  virtual caf::error make_dirs(const std::string& dir) = 0;

  /// Removes the file `path` durably; absent is fine.
  virtual caf::error remove(const std::string& path) = 0;

  /// Removes `dir` and everything below it durably; absent is fine.
  virtual caf::error remove_all(const std::string& dir) = 0;
};

} // namespace ha
