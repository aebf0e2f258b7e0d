#include "caf_ha/messages/bounded_deserializer.hpp"

#include <string_view>

#include <caf/sec.hpp>

namespace ha {

namespace {

/// The built-in types caf-ha's messages use (CAF 0.17's names).
constexpr std::string_view allowed_builtins[] = {
  "@atom", "@str", "@i8",   "@i16",  "@i32",   "@i64",
  "@u8",   "@u16", "@u32",  "@u64",  "bool",   "@actor",
  "@strong_actor_ptr",      "@error",
};

/// Messages nest in messages through an error's context; legitimate ones
/// hardly at all, while each level costs CAF's decoder stack.
constexpr int max_depth = 4;

bool is_allowed(std::string_view type) {
  for (auto x : allowed_builtins)
    if (type == x)
      return true;
  // Every other built-in name starts with '@', but for these two.
  return !type.empty() && type.front() != '@' && type != "float"
         && type != "double";
}

/// Our widest message has far fewer fields. CAF allocates a value per name,
/// so without a bound a message of thousands of one-byte fields would cost
/// ten times its size in memory.
constexpr int max_fields = 32;

/// True if a message's `@<>+a+b...` has at most `max_fields` names, each
/// allowed. The rest of its spelling is CAF's to check.
bool all_allowed(std::string_view types) {
  constexpr std::string_view prefix = "@<>+";
  if (types.substr(0, prefix.size()) != prefix)
    return true;
  types.remove_prefix(prefix.size());
  for (int fields = 1; !types.empty(); ++fields) {
    auto plus = types.find('+');
    if (fields > max_fields || !is_allowed(types.substr(0, plus)))
      return false;
    types.remove_prefix(plus == std::string_view::npos ? types.size()
                                                       : plus + 1);
  }
  return true;
}

} // namespace

bounded_deserializer::bounded_deserializer(caf::execution_unit* ctx,
                                           const char* buf, size_t size)
  : caf::deserializer(ctx), inner_(ctx, buf, size) {
}

bounded_deserializer::bounded_deserializer(caf::actor_system& sys,
                                           const std::vector<char>& buf)
  : caf::deserializer(sys), inner_(sys, buf) {
}

caf::error bounded_deserializer::track(caf::error err) {
  if (err)
    failed_ = true;
  return err;
}

caf::error bounded_deserializer::begin_object(uint16_t& nr,
                                              std::string& name) {
  if (auto err = inner_.begin_object(nr, name))
    return track(std::move(err));
  if (nr == 0 && !all_allowed(name))
    return track(caf::make_error(caf::sec::unknown_type, name));
  if (++depth_ > max_depth)
    return track(caf::sec::invalid_argument);
  return caf::none;
}

caf::error bounded_deserializer::end_object() {
  --depth_;
  return track(inner_.end_object());
}

caf::error bounded_deserializer::begin_sequence(size_t& size) {
  if (auto err = inner_.begin_sequence(size))
    return track(std::move(err));
  if (size > inner_.remaining())
    return track(caf::sec::end_of_stream);
  return caf::none;
}

caf::error bounded_deserializer::end_sequence() {
  return track(inner_.end_sequence());
}

caf::error bounded_deserializer::apply_raw(size_t num_bytes, void* data) {
  return track(inner_.apply_raw(num_bytes, data));
}

caf::error bounded_deserializer::apply_impl(int8_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(uint8_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(int16_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(uint16_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(int32_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(uint32_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(int64_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(uint64_t& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(float& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(double& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(long double& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(std::string& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(std::u16string& x) {
  return track(inner_.apply(x));
}

caf::error bounded_deserializer::apply_impl(std::u32string& x) {
  return track(inner_.apply(x));
}

} // namespace ha
