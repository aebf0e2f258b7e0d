#pragma once

// Hex text of fixed-size byte arrays (job ids, blob keys, digests).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ha::hex {

/// Appends the lowercase hex digits of `size` bytes at `data` to `out`.
inline void append(std::string& out, const uint8_t* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0F];
  }
}

template <size_t N>
void append(std::string& out, const std::array<uint8_t, N>& bytes) {
  append(out, bytes.data(), N);
}

/// The value of one hex digit (either case), or -1.
inline int digit_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Reads `size` bytes as 2 * size hex digits of `str` at `pos` into `out`;
/// false if `str` is too short or holds anything else there.
inline bool parse(const std::string& str, size_t pos, uint8_t* out,
                  size_t size) {
  if (str.size() < pos + 2 * size)
    return false;
  for (size_t i = 0; i < size; ++i) {
    auto hi = digit_value(str[pos + 2 * i]);
    auto lo = digit_value(str[pos + 2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <size_t N>
bool parse(const std::string& str, size_t pos, std::array<uint8_t, N>& out) {
  return parse(str, pos, out.data(), N);
}

} // namespace ha::hex
