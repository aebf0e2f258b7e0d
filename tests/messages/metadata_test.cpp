// The records' enums as a peer may send them: CAF decodes an enum from any
// byte, so a value outside the enumerators must print without reading past
// the names.

#include "caf_ha/messages/metadata.hpp"

#include <catch2/catch.hpp>

using namespace ha;

TEST_CASE("a job status outside the enumerators prints as its number",
          "[messages]") {
  CHECK(to_string(job_status::suspended) == "SUSPENDED");
  CHECK(is_valid_job_status(job_status::suspended));
  auto forged = static_cast<job_status>(43);
  CHECK_FALSE(is_valid_job_status(forged));
  CHECK(to_string(forged) == "job_status(43)");
  CHECK(to_string(static_cast<job_status>(255)) == "job_status(255)");
}
