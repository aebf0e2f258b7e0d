#include "caf_ha/messages/blob_store.hpp"

#include <caf/actor_system_config.hpp>

#include "caf_ha/messages/hex.hpp"

namespace ha {

namespace {

// Layout of the string form: type letter, '-', 64 hex, '-', 32 hex.
constexpr size_t hash_pos = 2;
constexpr size_t random_pos = hash_pos + 64 + 1;
constexpr size_t key_length = random_pos + 32;

} // namespace

std::string to_string(blob_type x) {
  return x == blob_type::permanent ? "permanent" : "transient";
}

std::string to_string(const blob_key& x) {
  std::string result;
  result.reserve(key_length);
  result += x.type == blob_type::permanent ? "p-" : "t-";
  hex::append(result, x.hash);
  result += '-';
  hex::append(result, x.random);
  return result;
}

std::optional<blob_key> parse_blob_key(const std::string& str) {
  if (str.size() != key_length || str[1] != '-' || str[random_pos - 1] != '-')
    return std::nullopt;
  blob_key result;
  if (str[0] == 'p')
    result.type = blob_type::permanent;
  else if (str[0] == 't')
    result.type = blob_type::transient;
  else
    return std::nullopt;
  if (!hex::parse(str, hash_pos, result.hash)
      || !hex::parse(str, random_pos, result.random))
    return std::nullopt;
  return result;
}

std::string to_hex(const std::array<uint8_t, 32>& hash) {
  std::string result;
  result.reserve(64);
  hex::append(result, hash);
  return result;
}

void register_blob_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<blob_type>("ha::blob_type")
    .add_message_type<blob_key>("ha::blob_key")
    .add_message_type<std::vector<uint8_t>>("std::vector<uint8_t>")
    .add_message_type<blob_store_actor>("ha::blob_store_actor");
}

} // namespace ha
