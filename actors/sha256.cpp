#include "caf_ha/actors/sha256.hpp"

#include <stdexcept>

#include <openssl/evp.h>

namespace ha {

struct sha256::impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();

  impl() {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("cannot initialise SHA-256 (libcrypto)");
  }

  ~impl() {
    EVP_MD_CTX_free(ctx);
  }
};

sha256::sha256() : impl_(std::make_unique<impl>()) {
}

sha256::~sha256() = default;

sha256::sha256(sha256&&) noexcept = default;

sha256& sha256::operator=(sha256&&) noexcept = default;

void sha256::update(const uint8_t* data, size_t size) {
  // Cannot fail for an initialised SHA-256 context.
  EVP_DigestUpdate(impl_->ctx, data, size);
}

sha256::digest sha256::finish() {
  digest result{};
  EVP_DigestFinal_ex(impl_->ctx, result.data(), nullptr);
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
  return result;
}

} // namespace ha
