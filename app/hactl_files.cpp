// hactl's file input: refused with one line, never an exception.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/hactl_store_support.hpp"

namespace ha::app {

namespace {

caf::error cannot_read(const std::string& path, int err) {
  return make_error(errc::not_found,
                    "cannot read file " + ha::quoted(path) + ": "
                      + std::strerror(err));
}

caf::error too_large(const std::string& path, uint64_t size, size_t limit) {
  return make_error(errc::invalid_argument,
                    "file " + ha::quoted(path) + " has "
                      + std::to_string(size) + " bytes, over the limit of "
                      + std::to_string(limit)
                      + " bytes a store record leaves for it: put large "
                        "state into the blob store");
}

/// Closes the descriptor on every path out of read_file.
struct fd_guard {
  int fd;
  ~fd_guard() {
    ::close(fd);
  }
};

} // namespace

caf::expected<std::vector<uint8_t>> read_file(const std::string& path,
                                              size_t limit) {
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cannot_read(path, errno);
  fd_guard guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return cannot_read(path, errno);
  if (S_ISDIR(st.st_mode))
    return cannot_read(path, EISDIR);
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > limit)
    return too_large(path, static_cast<uint64_t>(st.st_size), limit);
  // Pipes and devices have no size to check first: the limit holds while
  // reading too.
  std::vector<uint8_t> bytes;
  bytes.reserve(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0);
  uint8_t chunk[65536];
  for (;;) {
    auto n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return cannot_read(path, errno);
    if (n == 0)
      return bytes;
    if (bytes.size() + static_cast<size_t>(n) > limit)
      return too_large(path, bytes.size() + static_cast<size_t>(n), limit);
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
}

} // namespace ha::app
