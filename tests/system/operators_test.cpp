// Multi-process: what operators see of a running ha-node. Its HTTP
// endpoint's /metrics passes promtool's checks and moves as a failover
// happens; `hactl status` shows the cluster; the status page, rendered by
// headless Chromium, shows the new leader after a failover.

#include <csignal>
#include <fstream>
#include <regex>

#include <catch2/catch.hpp>
#include <httplib.h>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

/// ha-node with its HTTP endpoint on a free port and quick failure
/// detection.
struct operated_node {
  running_node node{append({"-D", "ha.metrics.port=0"},
                           failure_detection_options())};
  int http_port = 0;

  operated_node() {
    auto line = node.process->read_line(10s);
    REQUIRE(line);
    std::smatch m;
    REQUIRE(std::regex_search(*line, m,
                              std::regex{"on http://127\\.0\\.0\\.1:(\\d+)/"}));
    http_port = std::stoi(m[1]);
  }

  std::string get(const std::string& path) const {
    httplib::Client client{"127.0.0.1", http_port};
    client.set_read_timeout(10, 0);
    auto res = client.Get(path.c_str());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    return res->body;
  }
};

/// The value of the series `series` (name and labels as rendered) in the
/// exposition `text`; fails the test if it is not there.
double sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  INFO(text);
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + series.size() + 2));
}

/// promtool's verdict on `text` (exit code 0: the format and the naming
/// conventions hold).
void check_with_promtool(const std::string& text) {
  temp_dir dir;
  auto file = dir.path().string() + "/metrics.txt";
  std::ofstream{file} << text;
  auto result = run_to_end({"/bin/sh", "-c",
                            "promtool check metrics < " + file + " 1>&2"});
  INFO(result.stderr_text);
  CHECK(result.exit_code == 0);
}

/// Stores one job graph through hactl.
void put_job_graph(const std::string& endpoint) {
  temp_dir dir;
  auto file = dir.path().string() + "/graph.bin";
  std::ofstream{file} << "graph";
  hactl_lines(endpoint, {"jobs", "put", file, "--job-id", job_hex(1)});
}

std::string dispatcher(const std::string& name) {
  return name + "{component=\"dispatcher\"}";
}

/// Two contenders and a watcher; returns the index of the first leader
/// once the watcher saw it.
struct election {
  std::unique_ptr<child_process> watcher;
  std::vector<std::unique_ptr<child_process>> contenders;
  std::vector<std::string> addresses{"master-0:6123", "master-1:6123"};
  nlohmann::json leader;

  explicit election(const running_node& node) {
    watcher = hactl(node.endpoint, {"leader", "watch", "dispatcher",
                                    "--count", "10", "--timeout-ms", "60000"});
    CHECK(next_event(*watcher)["address"] == "");
    for (auto& address : addresses)
      contenders.push_back(hactl(node.endpoint, {"contend", "dispatcher",
                                                 "--address", address}));
    leader = next_event(*watcher);
  }

  size_t leader_index() const {
    return leader["address"] == addresses[0] ? 0 : 1;
  }

  /// Kills the leader's process and waits until the watcher saw the gap
  /// and the successor.
  void fail_over() {
    contenders[leader_index()]->signal(SIGKILL);
    CHECK(next_event(*watcher)["address"] == "");
    auto next = next_event(*watcher);
    CHECK(next["address"] != leader["address"]);
    leader = next;
  }
};

} // namespace

TEST_CASE("ha-node's /metrics passes promtool and counts a failover") {
  operated_node op;
  auto before = op.get("/metrics");
  check_with_promtool(before);
  CHECK(sample(before, "caf_ha_build_info{version=\"0.2.0\"}") == 1);
  election el{op.node};
  put_job_graph(op.node.endpoint);
  auto led = op.get("/metrics");
  CHECK(sample(led, dispatcher("caf_ha_leader")) == 1);
  CHECK(sample(led, dispatcher("caf_ha_grants_total")) == 1);
  CHECK(sample(led, dispatcher("caf_ha_leader_changes_total")) == 1);
  CHECK(sample(led, dispatcher("caf_ha_contenders")) == 2);
  CHECK(sample(led, dispatcher("caf_ha_listeners")) == 1);
  // The watcher and the two contenders are connected now.
  CHECK(sample(led, "caf_ha_peers_connected") >= 3);
  CHECK(sample(led, "caf_ha_peers_accepted_total") >= 4);
  CHECK(sample(led, "caf_ha_store_requests_total{store=\"job_graphs\","
                    "op=\"put_job_graph\"}")
        == 1);
  CHECK(sample(led, "caf_ha_store_fsyncs_total{store=\"job_graphs\"}") >= 1);
  auto epoch = sample(led, dispatcher("caf_ha_leader_epoch"));
  el.fail_over();
  auto after = op.get("/metrics");
  check_with_promtool(after);
  CHECK(sample(after, dispatcher("caf_ha_leader")) == 1);
  CHECK(sample(after, dispatcher("caf_ha_grants_total")) == 2);
  CHECK(sample(after, dispatcher("caf_ha_leader_changes_total")) == 2);
  CHECK(sample(after, dispatcher("caf_ha_contenders")) == 1);
  CHECK(sample(after, "caf_ha_revocations_total{component=\"dispatcher\","
                      "cause=\"connection_lost\"}")
        == 1);
  CHECK(sample(after, dispatcher("caf_ha_leaderless_seconds_count")) == 1);
  CHECK(sample(after, dispatcher("caf_ha_leader_epoch")) > epoch);
}

TEST_CASE("ha-node's endpoint serves only GET of its three paths, without "
          "ranges") {
  operated_node op;
  httplib::Client client{"127.0.0.1", op.http_port};
  auto post = client.Post("/metrics", "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  auto other = client.Get("/../etc/passwd");
  REQUIRE(other);
  CHECK(other->status == 404);
  // A thousand ranges would make the server build the body a thousand times.
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 1000; ++i)
    ranges += ",0-";
  auto ranged = client.Get("/metrics", {{"Range", ranges}});
  REQUIRE(ranged);
  CHECK(ranged->status == 416);
  CHECK(ranged->body.size() < 100);
}

TEST_CASE("hactl status shows mode, leaders, jobs and the last changes, as a "
          "table and as JSON lines") {
  operated_node op;
  election el{op.node};
  put_job_graph(op.node.endpoint);
  el.fail_over();
  auto lines = hactl_lines(op.node.endpoint, {"status"});
  REQUIRE(lines.size() >= 4);
  CHECK(lines[0]["kind"] == "node");
  CHECK(lines[0]["mode"] == "sqlite");
  CHECK(lines[0]["version"] == "0.2.0");
  bool component_seen = false;
  int changes = 0;
  for (auto& line : lines) {
    if (line["kind"] == "component" && line["name"] == "dispatcher") {
      component_seen = true;
      CHECK(line["leader"] == el.leader["address"]);
      CHECK(line["contenders"] == 1);
      CHECK(line["listeners"] == 1);
    }
    if (line["kind"] == "jobs")
      CHECK(line["graphs"] == 1);
    if (line["kind"] == "change")
      ++changes;
  }
  CHECK(component_seen);
  CHECK(changes == 3); // first leader, its loss, the successor
  child_process table{{binary("hactl"), "--connect", op.node.endpoint,
                       "status"}};
  await_lines(table, {"mode", "sqlite", "COMPONENT",
                       el.leader["address"].get<std::string>(),
                       "lost its leader (connection_lost)"});
  CHECK(table.wait(20s) == 0);
}

TEST_CASE("the status page shows the new leader after a failover in "
          "headless Chromium") {
  operated_node op;
  election el{op.node};
  auto first = el.leader["address"].get<std::string>();
  el.fail_over();
  auto second = el.leader["address"].get<std::string>();
  temp_dir profile;
  // The page fetches status.json when loaded; the virtual time budget lets
  // that and the rendering finish before the DOM is dumped.
  child_process chromium{{"/usr/bin/chromium", "--headless", "--no-sandbox",
                          "--disable-gpu", "--no-first-run",
                          "--user-data-dir=" + profile.path().string(),
                          "--virtual-time-budget=5000", "--dump-dom",
                          "http://127.0.0.1:" + std::to_string(op.http_port)
                            + "/"}};
  std::string dom;
  for (int i = 0; i < 2000; ++i) {
    auto line = chromium.read_line(60s);
    if (!line)
      break;
    dom += *line + "\n";
  }
  INFO("DOM:\n" << dom << "\nstderr: " << chromium.error_output());
  CHECK(chromium.wait(30s) == 0);
  // The components table: the successor leads.
  CHECK_THAT(dom, Catch::Contains("<td>dispatcher</td><td>" + second + "</td>"));
  // The timeline, newest first: successor, the loss, the first leader.
  auto successor = dom.find("<td>" + second + "</td>", dom.find("id=\"changes\""));
  auto lost = dom.find("<td class=\"lost\">lost</td>", successor);
  auto original = dom.find("<td>" + first + "</td>", lost);
  CHECK(successor != std::string::npos);
  CHECK(lost != std::string::npos);
  CHECK(original != std::string::npos);
  CHECK_THAT(dom, Catch::Contains("connection_lost"));
  CHECK_THAT(dom, Catch::Contains("<div id=\"error\"></div>"));
}
