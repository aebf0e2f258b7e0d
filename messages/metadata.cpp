#include "caf_ha/messages/metadata.hpp"

#include <algorithm>
#include <cctype>

#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

constexpr const char* job_status_names[] = {"RUNNING", "FINISHED", "FAILED",
                                            "CANCELED", "SUSPENDED"};

} // namespace

bool is_valid_result_status(const std::string& status) {
  return status == "SUCCEEDED" || status == "FAILED" || status == "CANCELED"
         || status == "UNKNOWN";
}

std::string to_string(scheduling_status x) {
  switch (x) {
    case scheduling_status::pending:
      return "pending";
    case scheduling_status::running:
      return "running";
    case scheduling_status::done:
      return "done";
  }
  return "pending";
}

bool is_valid_job_status(job_status x) {
  return static_cast<size_t>(x) < std::size(job_status_names);
}

std::string to_string(job_status x) {
  // A peer's message may carry any value of the underlying byte.
  if (!is_valid_job_status(x))
    return "job_status(" + std::to_string(static_cast<int>(x)) + ")";
  return job_status_names[static_cast<size_t>(x)];
}

std::optional<job_status> parse_job_status(const std::string& str) {
  std::string upper = str;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  for (size_t i = 0; i < std::size(job_status_names); ++i)
    if (upper == job_status_names[i])
      return static_cast<job_status>(i);
  return std::nullopt;
}

std::optional<uint64_t> parse_decimal(const std::string& text, uint64_t max) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos
      || (text.size() > 1 && text[0] == '0'))
    return std::nullopt;
  uint64_t result = 0;
  for (auto c : text) {
    auto digit = static_cast<uint64_t>(c - '0');
    if (result > (max - digit) / 10)
      return std::nullopt;
    result = result * 10 + digit;
  }
  return result;
}

namespace {

caf::error bad_checkpoint_id(const std::string& what, const std::string& got) {
  return make_error(errc::invalid_argument,
                    what + ": expected an integer from 0 to "
                      + std::to_string(max_checkpoint_id) + ", got "
                      + quoted(got));
}

} // namespace

caf::expected<uint64_t> parse_checkpoint_id(const std::string& what,
                                            const std::string& text) {
  if (auto value = parse_decimal(text, max_checkpoint_id))
    return *value;
  return bad_checkpoint_id(what, text);
}

caf::error check_checkpoint_id(const std::string& what, uint64_t value) {
  if (value > max_checkpoint_id)
    return bad_checkpoint_id(what, std::to_string(value));
  return caf::none;
}

} // namespace ha
