// Multi-process: two copies of app/example_master against one ha-node, as
// in the README's tour: the first leads, recovers the job graphs and cleans
// up the dirty job results; when it is killed, the second takes over and
// does the same. And with short heartbeats: a leading master that is
// SIGSTOPped until the node gives its leadership away fences itself when it
// resumes, before it does any leader work.

#include <algorithm>
#include <csignal>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

const std::string second_job = "0123456789abcdef0123456789abcdef";
const std::string dirty_job = "fedcba9876543210fedcba9876543210";

/// An example_master whose log lines (stderr) arrive on its stdout pipe.
std::unique_ptr<child_process>
start_master(const std::string& port, const std::string& name,
             const std::vector<std::string>& more = {}) {
  return std::make_unique<child_process>(
    append({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1",
            binary("example_master"), "--port", port, "--name", name},
           more));
}

/// The lines `proc` writes within `wait` (at most `max`).
std::vector<std::string> lines_within(child_process& proc,
                                      std::chrono::milliseconds wait,
                                      size_t max = 2000) {
  std::vector<std::string> result;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (result.size() < max) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto line = left.count() > 0 ? proc.read_line(left) : std::nullopt;
    if (!line)
      break;
    result.push_back(*line);
  }
  return result;
}

void run_ok(const std::string& endpoint, std::vector<std::string> args) {
  auto proc = hactl(endpoint, std::move(args));
  INFO("hactl stderr: " << proc->error_output());
  REQUIRE(proc->wait(20s) == 0);
}

void put_graph(const std::string& endpoint, const std::string& file, int n) {
  run_ok(endpoint, {"jobs", "put", file, "--job-id", job_hex(n)});
}

} // namespace

TEST_CASE("example_master: the first master leads, recovers the job graphs "
          "and marks the dirty results clean, after its kill -9 the second "
          "takes over and does the same with what is there then",
          "[system][example]") {
  running_node node;
  auto port = node.endpoint.substr(node.endpoint.find(':') + 1);
  temp_dir dir;
  auto graph = dir.write("graph", "payload");
  put_graph(node.endpoint, graph, 1);
  put_graph(node.endpoint, graph, 2);
  run_ok(node.endpoint, {"results", "create-dirty", dirty_job, "--status",
                         "FAILED"});
  auto first = start_master(port, "master-a:6123");
  await_lines(*first, {"dispatcher: leading with epoch",
                       "resource_manager: leading with epoch",
                       "dispatcher: recovered 2 job graphs",
                       "marked job " + dirty_job + " clean"});
  auto second = start_master(port, "master-b:6123");
  await_lines(*second, {"dispatcher is led by master-a:6123",
                        "resource_manager is led by master-a:6123"});
  run_ok(node.endpoint, {"results", "create-dirty", second_job, "--status",
                         "CANCELED"});
  put_graph(node.endpoint, graph, 3);
  first->signal(SIGKILL);
  REQUIRE(first->wait(10s));
  await_lines(*second, {"dispatcher: leading with epoch",
                        "resource_manager: leading with epoch",
                        "dispatcher: recovered 3 job graphs",
                        "marked job " + second_job + " clean"});
  second->signal(SIGTERM);
  CHECK(second->wait(10s) == 0);
}

TEST_CASE("example_master: a leader SIGSTOPped until the node revokes it "
          "fences itself when it resumes, logs it and does no leader work "
          "after resuming, while the other master works on with a higher "
          "epoch",
          "[system][example][lease]") {
  running_node node{failure_detection_options()};
  auto port = node.endpoint.substr(node.endpoint.find(':') + 1);
  auto options = append({"--work-every-ms", "20"}, failure_detection_options());
  auto first = start_master(port, "master-a:6123", options);
  await_lines(*first, {"dispatcher: leading with epoch", "work with epoch"});
  auto second = start_master(port, "master-b:6123", options);
  await_lines(*second, {"dispatcher is led by master-a:6123"});
  first->signal(SIGSTOP);
  // Revoked after the node's heartbeat timeout; the second master leads.
  await_lines(*second, {"dispatcher: leading with epoch", "work with epoch"});
  // What the first wrote before it stopped; nothing new comes meanwhile.
  lines_within(*first, 200ms);
  first->signal(SIGCONT);
  auto after = lines_within(*first, 3s);
  std::string text;
  for (auto& line : after)
    text += line + "\n";
  INFO("the first master after SIGCONT:\n" << text);
  CHECK(text.find("dispatcher: fenced itself: its leadership lease")
        != std::string::npos);
  CHECK(text.find("dispatcher: not leading") != std::string::npos);
  CHECK(text.find("work with epoch") == std::string::npos);
  // The second master's work goes on, none of it fenced.
  auto more = lines_within(*second, 300ms);
  auto works = std::count_if(more.begin(), more.end(), [](auto& line) {
    return line.find("checkpoint id") != std::string::npos;
  });
  CHECK(works > 0);
  for (auto& line : more)
    CHECK(line.find("failed") == std::string::npos);
  first->signal(SIGTERM);
  second->signal(SIGTERM);
  CHECK(first->wait(10s) == 0);
  CHECK(second->wait(10s) == 0);
}
