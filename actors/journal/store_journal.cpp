#include "caf_ha/actors/journal/store_journal.hpp"

#include <caf/atom.hpp>
#include <caf/binary_serializer.hpp>

#include "caf_ha/actors/sha256.hpp"
#include "caf_ha/messages/bounded_deserializer.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/hex.hpp"

namespace ha {

namespace {

constexpr size_t max_text = 512;

std::string text_of(std::string text) {
  if (text.size() <= max_text)
    return text;
  sha256 hasher;
  hasher.update(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  std::string digest;
  hex::append(digest, hasher.finish());
  return std::to_string(text.size()) + " characters, sha256 " + digest;
}

std::string hex_text(const std::vector<char>& buf) {
  std::string result;
  result.reserve(buf.size() * 2);
  hex::append(result, reinterpret_cast<const uint8_t*>(buf.data()),
              buf.size());
  return result;
}

caf::error undecodable(const std::string& what) {
  return make_error(errc::corrupted, "journaled message " + what);
}

} // namespace

journal_fields message_fields(caf::actor_system& sys,
                              const caf::type_erased_tuple& msg,
                              bool with_bytes) {
  journal_fields result{{"message", text_of(msg.stringify())}};
  if (with_bytes) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (auto err = caf::message::save(sink, msg))
      result.emplace_back("bytes", "unserializable: " + sys.render(err));
    else
      result.emplace_back("bytes", hex_text(buf));
  }
  return result;
}

caf::expected<caf::message> message_from(caf::actor_system& sys,
                                         const journal_fields& fields) {
  const std::string* text = nullptr;
  for (auto& [key, value] : fields)
    if (key == "bytes")
      text = &value;
  if (text == nullptr)
    return undecodable("has no bytes");
  std::vector<char> buf(text->size() / 2);
  if (text->size() % 2 != 0
      || !hex::parse(*text, 0, reinterpret_cast<uint8_t*>(buf.data()),
                     buf.size()))
    return undecodable("bytes are not hex");
  caf::message result;
  // A journal is a file from anywhere: its sizes are not to be trusted.
  bounded_deserializer source{sys, buf};
  if (auto err = inspect(source, result))
    return undecodable("does not decode: " + sys.render(err));
  if (source.remaining() != 0)
    return undecodable("has trailing bytes");
  return result;
}

std::string kind_of(const caf::type_erased_tuple& msg) {
  if (!msg.empty() && msg.type(0).first == caf::type_nr<caf::atom_value>::value)
    return caf::to_string(*static_cast<const caf::atom_value*>(msg.get(0)));
  return "message";
}

void journal_out(caf::actor_system& sys, const store_journal& log,
                 const std::string& peer, const caf::message& msg) {
  log.hook.out(peer, "reply", message_fields(sys, msg.content(), false));
}

void journal_send(caf::actor_system& sys, const store_journal& log,
                  const std::string& peer, const caf::message& msg) {
  log.hook.out(peer, kind_of(msg.content()),
               message_fields(sys, msg.content(), false));
}

void journal_out(const store_journal& log, const std::string& peer,
                 const caf::error& err) {
  log.hook.out(peer, "error", error_fields(err));
}

} // namespace ha
