#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/deserializer.hpp>

namespace ha {

/// Reads CAF's binary format like `caf::binary_deserializer` (it delegates to
/// one), for bytes from outside: a peer's BASP payload, a journal. CAF 0.17
/// trusts the sizes it reads: a byte vector announcing 4 GiB is allocated
/// before a byte of it is read, and several built-in types nest messages
/// without bound or have side effects (a `@group` creates one). This one
/// refuses, before acting on them:
/// - a sequence announcing more elements than bytes are left (every element
///   takes at least one byte), so nothing allocates more than was sent;
/// - a message holding a type outside the caf-ha protocol, at any depth:
///   of CAF's built-in types only atoms, strings, integers, bool, actor
///   handles and errors; every type the application registered;
/// - messages nested deeper than four (an error's context is a message).
class bounded_deserializer final : public caf::deserializer {
public:
  bounded_deserializer(caf::execution_unit* ctx, const char* buf, size_t size);

  bounded_deserializer(caf::actor_system& sys, const std::vector<char>& buf);

  /// Bytes not read yet.
  size_t remaining() const {
    return inner_.remaining();
  }

  /// True once any read failed. CAF ignores the result of loading a message
  /// inside another value (a message in a BASP payload, an error's context),
  /// so a failure there shows only here.
  bool failed() const {
    return failed_;
  }

  caf::error begin_object(uint16_t& nr, std::string& name) override;
  caf::error end_object() override;
  caf::error begin_sequence(size_t& size) override;
  caf::error end_sequence() override;
  caf::error apply_raw(size_t num_bytes, void* data) override;

protected:
  caf::error apply_impl(int8_t& x) override;
  caf::error apply_impl(uint8_t& x) override;
  caf::error apply_impl(int16_t& x) override;
  caf::error apply_impl(uint16_t& x) override;
  caf::error apply_impl(int32_t& x) override;
  caf::error apply_impl(uint32_t& x) override;
  caf::error apply_impl(int64_t& x) override;
  caf::error apply_impl(uint64_t& x) override;
  caf::error apply_impl(float& x) override;
  caf::error apply_impl(double& x) override;
  caf::error apply_impl(long double& x) override;
  caf::error apply_impl(std::string& x) override;
  caf::error apply_impl(std::u16string& x) override;
  caf::error apply_impl(std::u32string& x) override;

private:
  caf::error track(caf::error err);

  caf::binary_deserializer inner_;
  bool failed_ = false;
  int depth_ = 0;
};

} // namespace ha
