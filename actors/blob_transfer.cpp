#include "caf_ha/actors/blob_transfer.hpp"

#include <openssl/rand.h>

#include "caf_ha/messages/errors.hpp"

namespace ha {

caf::error secure_random_bytes(uint8_t* buf, size_t size) {
  if (RAND_bytes(buf, static_cast<int>(size)) == 1)
    return caf::none;
  return make_error(errc::backend_unavailable,
                    "libcrypto cannot produce random bytes");
}

caf::expected<uint64_t> copy_and_hash(blob_reader& reader,
                                      blob_writer* writer, sha256& hasher,
                                      std::vector<uint8_t>& buffer) {
  uint64_t total = 0;
  for (;;) {
    auto n = reader.read(buffer.data(), buffer.size());
    if (!n)
      return std::move(n.error());
    if (*n == 0)
      return total;
    hasher.update(buffer.data(), *n);
    if (writer != nullptr)
      if (auto err = writer->append(buffer.data(), *n))
        return err;
    total += *n;
  }
}

caf::error commit_durably(blob_writer& writer, const std::string& name) {
  if (auto err = writer.sync()) {
    writer.abort();
    return err;
  }
  return writer.commit(name);
}

caf::expected<blob_key> new_blob_key(blob_type type,
                                     const sha256::digest& hash,
                                     const random_source& random) {
  blob_key key{type, hash, {}};
  if (auto err = random(key.random.data(), key.random.size()))
    return err;
  return key;
}

caf::expected<uint64_t> new_upload_id(const random_source& random) {
  uint64_t id = 0;
  if (auto err = random(reinterpret_cast<uint8_t*>(&id), sizeof(id)))
    return err;
  return id;
}

std::string blob_file_name(const blob_key& key) {
  return "blob_" + to_string(key);
}

caf::error with_context(const caf::error& err, const std::string& context) {
  if (err.category() != error_category)
    return make_error(errc::backend_unavailable,
                      context + ": " + caf::to_string(err));
  return make_error(static_cast<errc>(err.code()),
                    context + ": " + describe(err));
}

} // namespace ha
