// The README's configuration table is generated from the option table; this
// keeps the two from drifting apart.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "caf_ha/config/options.hpp"

TEST_CASE("the README's configuration table matches the option table",
          "[config]") {
  std::ifstream in{std::string{CAF_HA_SOURCE_DIR} + "/README.md"};
  REQUIRE(in);
  std::stringstream readme;
  readme << in.rdbuf();
  INFO("regenerate it with: ha-node --config-table");
  CHECK_THAT(readme.str(), Catch::Contains(ha::option_table_markdown()));
}
