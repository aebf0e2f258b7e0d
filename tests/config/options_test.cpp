#include "caf_ha/config/options.hpp"

#include <set>

#include <catch2/catch.hpp>

using ha::find_option;
using ha::option_table;

TEST_CASE("option keys and aliases are unique", "[config]") {
  std::set<std::string> seen;
  for (auto& opt : option_table()) {
    CHECK(seen.insert(opt.key).second);
    if (!opt.alias.empty())
      CHECK(seen.insert(opt.alias).second);
  }
}

TEST_CASE("an option is found by its key and by its alias", "[config]") {
  auto by_key = find_option("high-availability");
  REQUIRE(by_key != nullptr);
  CHECK(find_option("high-availability.type") == by_key);
  CHECK(find_option("high-availability.typo") == nullptr);
  CHECK(find_option("") == nullptr);
}

TEST_CASE("the closest key is suggested only when it is close", "[config]") {
  CHECK(ha::closest_option_key("rest.prot") == "rest.port");
  CHECK(ha::closest_option_key("HA.NODE.HOST") == "ha.node.host");
  CHECK(ha::closest_option_key("taskmanager.memory.process.size").empty());
}

TEST_CASE("the markdown table lists every option with its default",
          "[config]") {
  auto table = ha::option_table_markdown();
  CHECK_THAT(table, Catch::StartsWith("| key | default | description |\n"
                                      "|---|---|---|\n"));
  for (auto& opt : option_table()) {
    INFO(opt.key);
    CHECK_THAT(table, Catch::Contains("| `" + opt.key + "` | "));
  }
  CHECK_THAT(table, Catch::Contains("| `high-availability` | `NONE` | "));
  CHECK_THAT(table, Catch::Contains("Alias: `high-availability.type`."));
  CHECK_THAT(table, Catch::Contains(
                      "| `high-availability.storageDir` | (no default) | "));
  auto lines = std::count(table.begin(), table.end(), '\n');
  CHECK(lines == static_cast<long>(option_table().size()) + 2);
}
