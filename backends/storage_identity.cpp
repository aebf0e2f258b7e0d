#include "caf_ha/backends/storage_identity.hpp"

#include <cerrno>
#include <system_error>

#include <sys/stat.h>

#include "caf_ha/messages/errors.hpp"

namespace ha {

caf::expected<storage_identity> storage_identity::of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return make_error(errc::backend_unavailable,
                      "cannot stat storage " + path + ": "
                        + std::system_category().message(errno));
  return storage_identity{path, static_cast<uint64_t>(st.st_dev),
                          static_cast<uint64_t>(st.st_ino)};
}

caf::error storage_identity::verify() const {
  struct stat st;
  std::string now;
  if (::stat(path_.c_str(), &st) != 0)
    now = errno == ENOENT ? std::string{"now missing"}
                          : "now " + std::system_category().message(errno);
  else if (static_cast<uint64_t>(st.st_dev) != dev_
           || static_cast<uint64_t>(st.st_ino) != ino_)
    now = "now inode " + std::to_string(st.st_ino);
  else
    return caf::none;
  return make_error(errc::backend_unavailable,
                    "storage " + path_
                      + " was deleted or replaced since ha-node opened it "
                        "(inode "
                      + std::to_string(ino_) + ", " + now
                      + "): writes refused; restart ha-node");
}

} // namespace ha
