// The metrics registry's exposition format, the node monitor's accounting
// of a leadership's life, and the README's metrics table.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "caf_ha/actors/ops/metrics.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"

using namespace ha::ops;

TEST_CASE("metrics: counters, gauges and labels render in the text format") {
  registry reg;
  reg.declare({"x_requests_total", "Requests.", metric_type::counter,
               {"store", "op"}});
  reg.declare({"x_up", "Up.", metric_type::gauge});
  reg.get_counter("x_requests_total", {"jobs", "put"}).inc();
  reg.get_counter("x_requests_total", {"jobs", "put"}).inc(2);
  reg.get_counter("x_requests_total", {"a\"b\\c\nd", "get"}).inc();
  reg.get_gauge("x_up").set(0.5);
  auto text = reg.expose();
  CHECK_THAT(text, Catch::Contains("# HELP x_requests_total Requests.\n"
                                   "# TYPE x_requests_total counter\n"));
  CHECK_THAT(text,
             Catch::Contains("x_requests_total{store=\"jobs\",op=\"put\"} 3\n"));
  CHECK_THAT(text, Catch::Contains(
                     "x_requests_total{store=\"a\\\"b\\\\c\\nd\",op=\"get\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE x_up gauge\nx_up 0.5\n"));
}

TEST_CASE("metrics: a histogram has cumulative buckets, +Inf, sum and count") {
  registry reg;
  reg.declare({"x_seconds", "Time.", metric_type::histogram, {"op"}},
              {0.125, 1});
  auto& h = reg.get_histogram("x_seconds", {"get"});
  h.observe(0.0625);
  h.observe(0.125); // on a bound: counts in that bucket (le)
  h.observe(0.5);
  h.observe(7);
  auto text = reg.expose();
  CHECK_THAT(text, Catch::Contains("x_seconds_bucket{op=\"get\",le=\"0.125\"} 2\n"
                                   "x_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
                                   "x_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
                                   "x_seconds_sum{op=\"get\"} 7.6875\n"
                                   "x_seconds_count{op=\"get\"} 4\n"));
}

TEST_CASE("metrics: misuse of a family is a logic error, not a new series") {
  registry reg;
  reg.declare({"x_total", "X.", metric_type::counter, {"a"}});
  CHECK_NOTHROW(reg.declare({"x_total", "X.", metric_type::counter, {"a"}}));
  CHECK_THROWS_AS(reg.declare({"x_total", "X.", metric_type::gauge, {"a"}}),
                  std::logic_error);
  CHECK_THROWS_AS(reg.get_gauge("x_total", {"1"}), std::logic_error);
  CHECK_THROWS_AS(reg.get_counter("x_total", {}), std::logic_error);
  CHECK_THROWS_AS(reg.get_counter("y_total", {"1"}), std::logic_error);
}

TEST_CASE("metrics: a counter raised to a total never goes back") {
  counter c;
  c.raise_to(5);
  c.raise_to(3);
  c.inc(-1);
  CHECK(c.value() == 5);
}

TEST_CASE("node monitor: a leader's grant, confirmation, loss and successor "
          "move the metrics and the status history") {
  node_monitor mon;
  auto& reg = mon.metrics();
  mon.contenders("dispatcher", 2);
  mon.granted("dispatcher", 7);
  mon.confirmed("dispatcher", "a:1", 7);
  mon.confirmed("dispatcher", "a:1", 7); // again: no change
  CHECK(reg.get_gauge("caf_ha_leader", {"dispatcher"}).value() == 1);
  CHECK(reg.get_counter("caf_ha_leader_changes_total", {"dispatcher"}).value()
        == 1);
  mon.revoked("dispatcher", revoke_cause::connection_lost, true);
  mon.contenders("dispatcher", 1);
  CHECK(reg.get_gauge("caf_ha_leader", {"dispatcher"}).value() == 0);
  mon.granted("dispatcher", 8);
  mon.confirmed("dispatcher", "b:2", 8);
  CHECK(reg.get_counter("caf_ha_grants_total", {"dispatcher"}).value() == 2);
  CHECK(reg.get_counter("caf_ha_revocations_total",
                        {"dispatcher", "connection_lost"})
          .value()
        == 1);
  CHECK(reg.get_histogram("caf_ha_leaderless_seconds", {"dispatcher"})
          .read()
          .count
        == 1);
  auto st = mon.status();
  REQUIRE(st.components.size() == 1);
  CHECK(st.components[0].leader == "b:2");
  CHECK(st.components[0].epoch == 8);
  CHECK(st.components[0].contenders == 1);
  REQUIRE(st.changes.size() == 3);
  CHECK(st.changes[0].leader == "a:1");
  CHECK(st.changes[1].leader.empty());
  CHECK(st.changes[1].cause == "connection_lost");
  CHECK(st.changes[2].leader == "b:2");
  CHECK(st.changes[2].cause == "connection_lost");
  CHECK(st.changes[2].leaderless_ms >= 0);
}

TEST_CASE("node monitor: the history keeps the last changes only") {
  node_monitor mon;
  for (uint64_t i = 1; i <= node_monitor::history_size + 10; ++i)
    mon.confirmed("dispatcher", "a:" + std::to_string(i), i);
  auto st = mon.status();
  REQUIRE(st.changes.size() == node_monitor::history_size);
  CHECK(st.changes.back().epoch == node_monitor::history_size + 10);
  CHECK(st.changes.front().epoch == 11);
}

TEST_CASE("the README's metrics table matches the declared metrics",
          "[config]") {
  std::ifstream in{std::string{CAF_HA_SOURCE_DIR} + "/README.md"};
  REQUIRE(in);
  std::stringstream readme;
  readme << in.rdbuf();
  INFO("regenerate it with: ha-node --metrics-table");
  CHECK_THAT(readme.str(),
             Catch::Contains(metrics_table_markdown(node_monitor{}.metrics())));
}

TEST_CASE("node monitor: a component nobody contends or listens for any "
          "more is forgotten, with its series") {
  node_monitor mon;
  mon.service_started("idle");
  mon.service_started("idle"); // its elector and its retriever
  mon.contenders("idle", 1);
  mon.contenders("idle", 0);
  mon.service_stopped("idle");
  CHECK_THAT(mon.metrics().expose(),
             Catch::Contains("caf_ha_contenders{component=\"idle\"} 0"));
  mon.service_stopped("idle");
  CHECK_THAT(mon.metrics().expose(), !Catch::Contains("\"idle\""));
  CHECK(mon.status().components.empty());
  // A component whose leader is still known stays.
  mon.service_started("led");
  mon.confirmed("led", "a:1", 1);
  mon.service_stopped("led");
  CHECK_THAT(mon.metrics().expose(),
             Catch::Contains("caf_ha_leader{component=\"led\"} 1"));
  CHECK(mon.status().components.size() == 1);
}

TEST_CASE("metrics registry: forgetting a label value removes exactly its "
          "series, whichever position the label has") {
  registry reg;
  reg.declare({"t_by_component_total", "test", metric_type::counter,
               {"component", "cause"}});
  reg.declare({"t_by_cause_total", "test", metric_type::counter,
               {"cause", "component"}});
  for (std::string name : {"a", "idle", "idle2", "z"})
    for (std::string cause : {"crash", "resign"}) {
      reg.get_counter("t_by_component_total", {name, cause}).inc();
      reg.get_counter("t_by_cause_total", {cause, name}).inc();
    }
  reg.forget("component", "idle");
  auto text = reg.expose();
  CHECK_THAT(text, !Catch::Contains("component=\"idle\""));
  for (std::string name : {"a", "idle2", "z"})
    for (std::string cause : {"crash", "resign"}) {
      INFO(name << " " << cause);
      CHECK_THAT(text, Catch::Contains("t_by_component_total{component=\""
                                       + name + "\",cause=\"" + cause
                                       + "\"} 1"));
      CHECK_THAT(text, Catch::Contains("t_by_cause_total{cause=\"" + cause
                                       + "\",component=\"" + name + "\"} 1"));
    }
}
