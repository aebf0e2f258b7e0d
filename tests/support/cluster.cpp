#include "tests/support/cluster.hpp"

#include <algorithm>

#include <regex>

#include <catch2/catch.hpp>

#include "caf_ha/messages/ids.hpp"

namespace ha::test {

running_node::running_node(std::vector<std::string> args)
  : running_node(std::move(args), "") {
}

running_node::running_node(std::vector<std::string> args,
                           const std::string& dir,
                           std::vector<std::string> launcher)
  : running_node(std::move(args), dir, std::move(launcher), deferred) {
  await_listening();
}

running_node::running_node(std::vector<std::string> args,
                           const std::string& dir,
                           std::vector<std::string> launcher, deferred_t) {
  auto argv = append(std::move(launcher),
                     {binary("ha-node"), "-D", "ha.node.port=0", "-D",
                      "high-availability.storageDir="
                        + (dir.empty() ? storage.str() : dir)});
  argv.insert(argv.end(), args.begin(), args.end());
  process = std::make_unique<child_process>(argv);
}

void running_node::await_listening() {
  auto line = process->read_line(10s);
  INFO("ha-node stderr: " << process->error_output());
  REQUIRE(line);
  std::smatch match;
  static const std::regex first_line{
    R"(^ha-node listening on (\S+):(\d+) \(mode \S+, cluster \S+\)$)"};
  REQUIRE(std::regex_match(*line, match, first_line));
  endpoint = match[1].str() + ":" + match[2].str();
}

std::string job_hex(int n) {
  ha::job_id id;
  id.bytes[14] = static_cast<uint8_t>(n >> 8);
  id.bytes[15] = static_cast<uint8_t>(n);
  return ha::to_string(id);
}

std::vector<nlohmann::json> hactl_lines(const std::string& endpoint,
                                        std::vector<std::string> args) {
  auto proc = hactl(endpoint, std::move(args));
  std::vector<nlohmann::json> lines;
  for (int i = 0; i < 10000; ++i) {
    auto line = proc->read_line(20s);
    if (!line)
      break;
    lines.push_back(nlohmann::json::parse(*line));
  }
  INFO("hactl stderr: " << proc->error_output());
  REQUIRE(proc->wait(20s) == 0);
  return lines;
}

std::string running_node::port() const {
  return endpoint.substr(endpoint.rfind(':') + 1);
}

std::unique_ptr<child_process> hactl(const std::string& endpoint,
                                     std::vector<std::string> args,
                                     std::vector<std::string> launcher) {
  auto argv = append(std::move(launcher),
                     {binary("hactl"), "--connect", endpoint, "--json"});
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<child_process>(argv);
}

std::vector<std::string> failure_detection_options() {
  return {"-D", "ha.heartbeat.interval="
                  + std::to_string(heartbeat_interval.count()),
          "-D", "ha.heartbeat.timeout="
                  + std::to_string(heartbeat_timeout.count()),
          "-D", "ha.client.reconnect.initial-backoff=50",
          "-D", "ha.client.reconnect.max-backoff=500"};
}

std::vector<std::string> append(std::vector<std::string> x,
                                const std::vector<std::string>& y) {
  x.insert(x.end(), y.begin(), y.end());
  return x;
}

outcome run_to_end(std::vector<std::string> argv,
                   std::chrono::milliseconds timeout) {
  child_process proc{std::move(argv)};
  auto code = proc.wait(timeout);
  INFO("stderr: " << proc.error_output());
  REQUIRE(code);
  return {*code, proc.error_output()};
}

void await_lines(child_process& proc, std::vector<std::string> texts,
                 std::chrono::milliseconds timeout) {
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 500 && !texts.empty(); ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto line = left.count() > 0 ? proc.read_line(left) : std::nullopt;
    if (!line)
      break;
    seen += *line + "\n";
    texts.erase(std::remove_if(texts.begin(), texts.end(),
                               [&](const std::string& x) {
                                 return line->find(x) != std::string::npos;
                               }),
                texts.end());
  }
  INFO("read:\n" << seen);
  REQUIRE(texts.empty());
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

nlohmann::json await_event(child_process& proc, const std::string& name,
                           std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  // Bounded by the deadline: each line read takes at most what is left.
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock::now());
    INFO("waiting for event '" << name << "' of pid " << proc.pid());
    REQUIRE(left.count() > 0);
    auto event = next_event(proc, left);
    if (event["event"] == name)
      return event;
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace ha::test
