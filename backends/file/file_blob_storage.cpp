#include "caf_ha/backends/file/file_blob_storage.hpp"

#include <cerrno>
#include <filesystem>
#include <random>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

namespace fs = std::filesystem;

constexpr const char* temp_prefix = ".tmp-";

caf::error io_error(const std::string& op, const std::string& path, int err) {
  auto what = "cannot " + op + " '" + path
              + "': " + std::system_category().message(err);
  return make_error(err == ENOENT ? errc::not_found : errc::backend_unavailable,
                    std::move(what));
}

std::string parent_of(const std::string& path) {
  auto parent = fs::path{path}.parent_path();
  return parent.empty() ? std::string{"."} : parent.string();
}

/// Makes the entries of `dir` (creations, renames, removals) durable.
caf::error sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return io_error("open directory", dir, errno);
  auto failed = ::fsync(fd) != 0;
  auto err = errno;
  ::close(fd);
  if (failed)
    return io_error("fsync directory", dir, err);
  return caf::none;
}

std::string random_suffix() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  auto bits = gen();
  std::string result;
  for (int i = 0; i < 16; ++i, bits >>= 4)
    result += digits[bits & 0x0F];
  return result;
}

class file_reader : public blob_reader {
public:
  file_reader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  }

  ~file_reader() override {
    ::close(fd_);
  }

  caf::expected<size_t> read(uint8_t* buf, size_t max) override {
    for (;;) {
      auto n = ::read(fd_, buf, max);
      if (n >= 0)
        return static_cast<size_t>(n);
      if (errno != EINTR)
        return io_error("read", path_, errno);
    }
  }

  caf::expected<size_t> read_at(uint64_t offset, uint8_t* buf,
                                size_t max) override {
    size_t total = 0;
    while (total < max) {
      auto n = ::pread(fd_, buf + total, max - total,
                       static_cast<off_t>(offset + total));
      if (n == 0)
        break;
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return io_error("read", path_, errno);
      total += static_cast<size_t>(n);
    }
    return total;
  }

  caf::expected<uint64_t> size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0)
      return io_error("stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

private:
  int fd_;
  std::string path_;
};

class file_writer : public blob_writer {
public:
  file_writer(int fd, std::string dir, std::string path)
    : fd_(fd), dir_(std::move(dir)), path_(std::move(path)) {
  }

  ~file_writer() override {
    abort();
  }

  caf::error append(const uint8_t* data, size_t size) override {
    if (fd_ < 0)
      return spent();
    while (size > 0) {
      auto n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return io_error("write", path_, errno);
      data += n;
      size -= static_cast<size_t>(n);
    }
    return caf::none;
  }

  caf::error sync() override {
    if (fd_ < 0)
      return spent();
    if (::fsync(fd_) != 0)
      return io_error("fsync", path_, errno);
    return caf::none;
  }

  caf::error commit(const std::string& name) override {
    if (fd_ < 0)
      return spent();
    auto fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      auto err = io_error("close", path_, errno);
      ::unlink(path_.c_str());
      return err;
    }
    auto target = (fs::path{dir_} / name).string();
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      auto err = io_error("rename '" + path_ + "' to", target, errno);
      ::unlink(path_.c_str());
      return err;
    }
    if (auto err = sync_dir(dir_)) {
      // Not durable, so not acknowledged: take it back out of sight.
      ::unlink(target.c_str());
      return err;
    }
    return caf::none;
  }

  void abort() override {
    if (fd_ < 0)
      return;
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }

  const std::string& path() const override {
    return path_;
  }

private:
  caf::error spent() const {
    return make_error(errc::invalid_argument,
                      "file '" + path_ + "' was already committed or aborted");
  }

  int fd_;
  std::string dir_;
  std::string path_;
};

} // namespace

bool is_temporary_blob_file(const std::string& file_name) {
  return file_name.rfind(temp_prefix, 0) == 0;
}

namespace {

/// Removes `path` if nobody holds its writer's lock (its writer died).
bool remove_if_abandoned(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return false;
  auto abandoned = ::flock(fd, LOCK_EX | LOCK_NB) == 0
                   && ::unlink(path.c_str()) == 0;
  ::close(fd);
  return abandoned;
}

} // namespace

caf::expected<size_t> remove_abandoned_temporary_files(const std::string& root) {
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator job{root, ec}, end; !ec && job != end;
       job.increment(ec)) {
    if (!job->is_directory(ec))
      continue;
    for (fs::directory_iterator file{job->path(), ec}; !ec && file != end;
         file.increment(ec))
      if (is_temporary_blob_file(file->path().filename().string())
          && file->is_regular_file(ec) && remove_if_abandoned(file->path()))
        ++removed;
    if (ec)
      break;
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return io_error("sweep temporary files in", root, ec.value());
  return removed;
}

caf::expected<std::unique_ptr<blob_reader>>
file_blob_storage::open_read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return io_error("open", path, errno);
  return std::unique_ptr<blob_reader>{new file_reader(fd, path)};
}

caf::expected<std::unique_ptr<blob_writer>>
file_blob_storage::create(const std::string& dir) {
  // A name collision needs the same 64 random bits twice; O_EXCL makes even
  // that safe, and a few attempts make it harmless.
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto path = (fs::path{dir} / (temp_prefix + random_suffix())).string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    0666);
    if (fd >= 0) {
      // Held until the writer ends, by this process only: the sweep at
      // start-up leaves a file alone while anyone writes it.
      ::flock(fd, LOCK_EX | LOCK_NB);
      return std::unique_ptr<blob_writer>{new file_writer(fd, dir, path)};
    }
    if (errno != EEXIST)
      return io_error("create a file in", dir, errno);
  }
  return make_error(errc::backend_unavailable,
                    "cannot create a temporary file in '" + dir + "'");
}

caf::error file_blob_storage::make_dirs(const std::string& dir) {
  fs::path partial;
  for (auto& part : fs::path{dir}) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0777) == 0) {
      if (auto err = sync_dir(parent_of(partial.string())))
        return err;
    } else if (errno != EEXIST) {
      return io_error("create directory", partial.string(), errno);
    }
  }
  return caf::none;
}

caf::error file_blob_storage::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0)
    return errno == ENOENT ? caf::none : io_error("remove", path, errno);
  return sync_dir(parent_of(path));
}

caf::error file_blob_storage::remove_all(const std::string& dir) {
  std::error_code ec;
  auto removed = fs::remove_all(dir, ec);
  if (ec)
    return io_error("remove", dir, ec.value());
  if (removed == 0)
    return caf::none;
  return sync_dir(parent_of(dir));
}

} // namespace ha
