#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace ha {

/// Incremental SHA-256 through OpenSSL's libcrypto (hardware accelerated
/// where the CPU has it), for hashing blobs while they stream.
class sha256 {
public:
  using digest = std::array<uint8_t, 32>;

  sha256();
  ~sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;

  void update(const uint8_t* data, size_t size);

  /// The digest of everything passed to `update`; the hasher then starts
  /// over.
  digest finish();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ha
