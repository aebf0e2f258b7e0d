#pragma once

// A blob_storage that wraps another and fails on request, in the style of
// RocksDB's FaultInjectionTestEnv: tests switch a fault on, drive the blob
// store with messages, and check that the failure is reported and that no
// partial blob is left behind. Switches are atomic: the store runs on its
// own thread.

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <system_error>

#include "caf_ha/backends/blob_storage.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::test {

/// The switches, shared by the storage and every file it opens.
struct blob_faults {
  /// Every writer's sync fails as with EIO.
  std::atomic<bool> fail_sync{false};
  /// Appends fail as with ENOSPC once this many more bytes were written;
  /// negative means unlimited.
  std::atomic<int64_t> space_left{-1};
  /// `read_at` flips the first byte it returns: data altered after the
  /// store checked it.
  std::atomic<bool> flip_read_at{false};
};

inline caf::error injected(const std::string& op, const std::string& path,
                           int err) {
  return make_error(errc::backend_unavailable,
                    "cannot " + op + " '" + path + "': "
                      + std::system_category().message(err) + " (injected)");
}

class faulty_blob_reader : public blob_reader {
public:
  faulty_blob_reader(std::unique_ptr<blob_reader> inner,
                     std::shared_ptr<blob_faults> faults)
    : inner_(std::move(inner)), faults_(std::move(faults)) {
  }

  caf::expected<size_t> read(uint8_t* buf, size_t max) override {
    return inner_->read(buf, max);
  }

  caf::expected<size_t> read_at(uint64_t offset, uint8_t* buf,
                                size_t max) override {
    auto n = inner_->read_at(offset, buf, max);
    if (n && *n > 0 && faults_->flip_read_at)
      buf[0] ^= 0x01;
    return n;
  }

  caf::expected<uint64_t> size() override {
    return inner_->size();
  }

private:
  std::unique_ptr<blob_reader> inner_;
  std::shared_ptr<blob_faults> faults_;
};

class faulty_blob_writer : public blob_writer {
public:
  faulty_blob_writer(std::unique_ptr<blob_writer> inner,
                     std::shared_ptr<blob_faults> faults)
    : inner_(std::move(inner)), faults_(std::move(faults)) {
  }

  caf::error append(const uint8_t* data, size_t size) override {
    auto left = faults_->space_left.load();
    if (left >= 0) {
      if (static_cast<int64_t>(size) > left)
        return injected("write", path(), ENOSPC);
      faults_->space_left -= static_cast<int64_t>(size);
    }
    return inner_->append(data, size);
  }

  caf::error sync() override {
    if (faults_->fail_sync)
      return injected("fsync", path(), EIO);
    return inner_->sync();
  }

  caf::error commit(const std::string& name) override {
    return inner_->commit(name);
  }

  void abort() override {
    inner_->abort();
  }

  const std::string& path() const override {
    return inner_->path();
  }

private:
  std::unique_ptr<blob_writer> inner_;
  std::shared_ptr<blob_faults> faults_;
};

class faulty_blob_storage : public blob_storage {
public:
  explicit faulty_blob_storage(std::shared_ptr<blob_storage> inner)
    : inner_(std::move(inner)), faults_(std::make_shared<blob_faults>()) {
  }

  blob_faults& faults() {
    return *faults_;
  }

  caf::expected<std::unique_ptr<blob_reader>>
  open_read(const std::string& path) override {
    auto reader = inner_->open_read(path);
    if (!reader)
      return std::move(reader.error());
    return std::unique_ptr<blob_reader>{
      new faulty_blob_reader(std::move(*reader), faults_)};
  }

  caf::expected<std::unique_ptr<blob_writer>>
  create(const std::string& dir) override {
    auto writer = inner_->create(dir);
    if (!writer)
      return std::move(writer.error());
    return std::unique_ptr<blob_writer>{
      new faulty_blob_writer(std::move(*writer), faults_)};
  }

  caf::error make_dirs(const std::string& dir) override {
    return inner_->make_dirs(dir);
  }

  caf::error remove(const std::string& path) override {
    return inner_->remove(path);
  }

  caf::error remove_all(const std::string& dir) override {
    return inner_->remove_all(dir);
  }

private:
  std::shared_ptr<blob_storage> inner_;
  std::shared_ptr<blob_faults> faults_;
};

} // namespace ha::test
