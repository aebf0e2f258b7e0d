#include "tests/support/cluster.hpp"

#include <regex>

#include <catch2/catch.hpp>

namespace ha::test {

running_node::running_node(std::vector<std::string> args)
  : running_node(std::move(args), "") {
}

running_node::running_node(std::vector<std::string> args,
                           const std::string& dir) {
  std::vector<std::string> argv{binary("ha-node"), "-D", "ha.node.port=0",
                                "-D", "high-availability.storageDir="
                                        + (dir.empty() ? storage.str() : dir)};
  argv.insert(argv.end(), args.begin(), args.end());
  process = std::make_unique<child_process>(argv);
  auto line = process->read_line(10s);
  INFO("ha-node stderr: " << process->error_output());
  REQUIRE(line);
  std::smatch match;
  static const std::regex first_line{
    R"(^ha-node listening on (\S+):(\d+) \(mode \S+, cluster \S+\)$)"};
  REQUIRE(std::regex_match(*line, match, first_line));
  endpoint = match[1].str() + ":" + match[2].str();
}

std::unique_ptr<child_process> hactl(const std::string& endpoint,
                                     std::vector<std::string> args) {
  std::vector<std::string> argv{binary("hactl"), "--connect", endpoint,
                                "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<child_process>(argv);
}

nlohmann::json next_event(child_process& proc,
                          std::chrono::milliseconds timeout) {
  auto line = proc.read_line(timeout);
  INFO("stderr of pid " << proc.pid() << ": " << proc.error_output());
  REQUIRE(line);
  auto parsed = nlohmann::json::parse(*line, nullptr, false);
  INFO("line: " << *line);
  REQUIRE_FALSE(parsed.is_discarded());
  return parsed;
}

} // namespace ha::test
