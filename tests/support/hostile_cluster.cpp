#include "tests/support/hostile_cluster.hpp"

#include <sstream>

#include <catch2/catch.hpp>

namespace ha::test {

std::string to_string(transport x) {
  return x == transport::plain ? "plain TCP" : "mutual TLS";
}

hostile_cluster::hostile_cluster(transport mode,
                                 std::vector<std::string> node_args)
  : mode_(mode) {
  if (mode == transport::tls) {
    ca_.emplace("caf-ha-hostile-ca");
    node_identity_ = ca_->issue("ha-node");
    // The attacker holds a valid certificate: TLS decides who is a peer,
    // not what a peer may do.
    client_identity_ = ca_->issue("hostile");
    node_args = append(tls_args(node_identity_, ca_->ca_file()), node_args);
  }
  node_ = std::make_unique<running_node>(std::move(node_args));
}

std::vector<std::string> hostile_cluster::client_args() const {
  if (mode_ == transport::plain)
    return {};
  return tls_args(client_identity_, ca_->ca_file());
}

std::unique_ptr<child_process>
hostile_cluster::start_attack(const std::string& name,
                              std::vector<std::string> options) {
  auto argv = append({binary("hostile_peer"), "--connect", node_->endpoint},
                     client_args());
  argv.push_back(name);
  return std::make_unique<child_process>(
    append(std::move(argv), std::move(options)));
}

nlohmann::json hostile_cluster::attack(const std::string& name,
                                       std::vector<std::string> options) {
  auto started = start_attack(name, std::move(options));
  auto& peer = *started;
  auto line = peer.read_line(60s);
  auto code = peer.wait(20s);
  INFO("hostile_peer " << name << " over " << to_string(mode_)
                       << ", stderr: " << peer.error_output());
  REQUIRE(line);
  REQUIRE(code == 0);
  auto report = nlohmann::json::parse(*line, nullptr, false);
  INFO("line: " << *line);
  REQUIRE_FALSE(report.is_discarded());
  REQUIRE(report["attack"] == name);
  UNSCOPED_INFO(name << " over " << to_string(mode_) << ": " << *line);
  return report;
}

std::unique_ptr<child_process>
hostile_cluster::hactl(std::vector<std::string> args) {
  return ha::test::hactl(node_->endpoint, append(client_args(), args));
}

std::vector<nlohmann::json>
hostile_cluster::hactl_lines(std::vector<std::string> args) {
  return ha::test::hactl_lines(node_->endpoint, append(client_args(), args));
}

nlohmann::json hostile_cluster::leader(const std::string& component) {
  auto lines = hactl_lines({"leader", "get", component});
  REQUIRE(lines.size() == 1);
  return lines.front();
}

void hostile_cluster::expect_served() {
  auto answer = leader();
  CHECK(answer["event"] == "leader");
  CHECK_FALSE(node_->process->wait(0ms)); // ha-node still runs
}

size_t hostile_cluster::log_lines_with(const std::string& text) const {
  std::istringstream in{node_->process->error_output()};
  size_t result = 0;
  std::string line;
  while (std::getline(in, line))
    if (line.find(text) != std::string::npos)
      ++result;
  return result;
}

leading_contender start_leader(hostile_cluster& cluster,
                               const std::string& component,
                               const std::string& address) {
  leading_contender result;
  result.process = cluster.hactl({"contend", component, "--address",
                                  address});
  result.confirmed = await_event(*result.process, "confirmed");
  return result;
}

bool same_leader(const nlohmann::json& x, const nlohmann::json& y) {
  return x["address"] == y["address"] && x["session_id"] == y["session_id"]
         && x["epoch"] == y["epoch"];
}

} // namespace ha::test
