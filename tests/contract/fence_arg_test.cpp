// hactl's `--fence COMPONENT:EPOCH`: strict, canonical, one line naming the
// value on anything else.

#include <catch2/catch.hpp>

#include "app/hactl_store_support.hpp"

using namespace ha;

TEST_CASE("hactl --fence takes a component and a uint64 epoch in canonical "
          "decimal",
          "[fence][hactl]") {
  auto ok = app::fence_arg("dispatcher:7");
  REQUIRE(ok);
  CHECK(ok->component == "dispatcher");
  CHECK(ok->epoch == 7);
  auto zero = app::fence_arg("rest:0");
  REQUIRE(zero);
  CHECK(zero->epoch == 0);
  auto max = app::fence_arg("dispatcher:18446744073709551615");
  REQUIRE(max);
  CHECK(max->epoch == 18446744073709551615ull);
  auto jm = app::fence_arg("job_manager/A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0FF:3");
  REQUIRE(jm);
  CHECK(jm->component == "job_manager/a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ff");
  CHECK(app::fence_arg("")->empty());
}

TEST_CASE("hactl --fence refuses everything else naming the value",
          "[fence][hactl]") {
  for (auto bad : {"dispatcher:18446744073709551616",
                   "dispatcher:99999999999999999999", "dispatcher:007",
                   "dispatcher:+7", "dispatcher:-7", "dispatcher: 7",
                   "dispatcher:7 ", "dispatcher:", "dispatcher", ":7",
                   "Dispatcher:7", "job_manager/12:7", "dispatcher:0x7"}) {
    CAPTURE(bad);
    auto fence = app::fence_arg(bad);
    REQUIRE_FALSE(fence);
    CHECK(is(fence.error(), errc::invalid_argument));
    auto text = describe(fence.error());
    CHECK_THAT(text, Catch::Contains(std::string{"'"} + bad + "'"));
    CHECK(text.find('\n') == std::string::npos);
  }
}

TEST_CASE("hactl --fence with control characters fails in one line",
          "[fence][hactl]") {
  for (auto bad : {"\n", "dispatcher:7\n", "dispatcher\r\n:7"}) {
    CAPTURE(bad);
    auto fence = app::fence_arg(bad);
    REQUIRE_FALSE(fence);
    auto text = describe(fence.error());
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
  }
}
