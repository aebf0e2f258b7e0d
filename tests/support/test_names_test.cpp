// ctest learns the test names from Catch and runs each by name. A ';' would
// split a name in ctest's list into two that match no test, and such a
// "test" passes without running anything; this keeps that from coming back.

#include <catch2/catch.hpp>

TEST_CASE("no test name contains a semicolon", "[meta]") {
  const auto& tests = Catch::getRegistryHub().getTestCaseRegistry()
                        .getAllTests();
  REQUIRE(tests.size() > 100);
  for (const auto& test : tests) {
    INFO("test case: " << test.name);
    CHECK(test.name.find(';') == std::string::npos);
  }
}
