#include "caf_ha/backends/zookeeper/zk_payloads.hpp"

#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

caf::expected<std::string>
zk_payloads::write(const std::string& subdir,
                   const std::vector<uint8_t>& bytes) {
  auto dir = dir_ + "/" + subdir;
  if (auto err = files_.make_dirs(dir))
    return err;
  auto writer = files_.create(dir);
  if (!writer)
    return std::move(writer.error());
  auto name = std::to_string(random_origin());
  if (auto err = (*writer)->append(bytes.data(), bytes.size()))
    return err;
  if (auto err = (*writer)->sync())
    return err;
  if (auto err = (*writer)->commit(name))
    return err;
  return subdir + "/" + name;
}

caf::expected<std::vector<uint8_t>>
zk_payloads::read(const std::string& name) {
  auto reader = files_.open_read(dir_ + "/" + name);
  if (!reader)
    return std::move(reader.error());
  std::vector<uint8_t> result;
  uint8_t buf[65536];
  // Bounded by the file's size: each read returns at least one byte or 0.
  for (;;) {
    auto n = (*reader)->read(buf, sizeof(buf));
    if (!n)
      return std::move(n.error());
    if (*n == 0)
      return result;
    result.insert(result.end(), buf, buf + *n);
  }
}

void zk_payloads::remove(const std::string& name) {
  if (!name.empty())
    files_.remove(dir_ + "/" + name);
}

void zk_payloads::remove_all() {
  files_.remove_all(dir_);
}

} // namespace ha
