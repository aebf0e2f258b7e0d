#include "caf_ha/messages/metadata.hpp"

#include <algorithm>
#include <cctype>

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

} // namespace ha
