// Rendering the cluster at a glance: whatever bytes a peer got into a
// name or address, the JSON stays valid and the table stays a table.

#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "caf_ha/actors/ops/cluster_status.hpp"

using namespace ha;

namespace {

ops::cluster_status with_leader(const std::string& address) {
  ops::cluster_status x;
  x.mode = "sqlite";
  x.cluster_id = "default";
  x.node.version = "0.2.0";
  x.node.components.push_back({"dispatcher", address, 7, 1000, 2, 1});
  x.node.changes.push_back({"dispatcher", address, 7, "", 1000, 0});
  return x;
}

} // namespace

TEST_CASE("cluster status: bytes that are not UTF-8 become U+FFFD in JSON") {
  auto x = with_leader("bad\xff\xfe:1");
  auto doc = nlohmann::json::parse(ops::to_json(x));
  CHECK(doc["components"][0]["leader"] == "bad\xef\xbf\xbd\xef\xbf\xbd:1");
  for (auto& line : ops::to_json_lines(x))
    CHECK_NOTHROW(nlohmann::json::parse(line));
}

TEST_CASE("cluster status: the table shows control characters as escapes") {
  auto table = ops::to_table(with_leader("a:1\n\x1b[31mfake row"));
  CHECK_THAT(table, Catch::Contains("a:1\\x0a\\x1b[31mfake row"));
  CHECK_THAT(table, !Catch::Contains("\x1b"));
  // Header, one component row; header, one change row; and the facts.
  CHECK(std::count(table.begin(), table.end(), '\n') == 5 + 1 + 2 + 1 + 2);
}
