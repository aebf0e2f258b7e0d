// Multi-process: two copies of app/example_master against one ha-node, as
// in the README's tour: the first leads, recovers the job graphs and cleans
// up the dirty job results; when it is killed, the second takes over and
// does the same. And with short heartbeats: a leading master that is
// SIGSTOPped until the node gives its leadership away fences itself when it
// resumes, before it does any leader work.

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>

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

/// Reads lines of `proc` into `seen` until one contains `text`; fails the
/// test if none does within `timeout` (or 2000 lines).
void read_until(child_process& proc, const std::string& text,
                std::vector<std::string>& seen,
                std::chrono::milliseconds timeout = 15s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 2000; ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto line = left.count() > 0 ? proc.read_line(left) : std::nullopt;
    if (!line)
      break;
    seen.push_back(*line);
    if (line->find(text) != std::string::npos)
      return;
  }
  FAIL("no line with '" << text << "' within " << timeout.count() << " ms");
}

/// The checkpoint ids and epochs of the "checkpoint id N (epoch E)" lines.
std::vector<std::pair<uint64_t, uint64_t>>
checkpoint_ids(const std::vector<std::string>& lines) {
  static const std::regex pattern{"checkpoint id ([0-9]+) \\(epoch ([0-9]+)"};
  std::vector<std::pair<uint64_t, uint64_t>> result;
  std::smatch match;
  for (auto& line : lines)
    if (std::regex_search(line, match, pattern))
      result.emplace_back(std::stoull(match[1]), std::stoull(match[2]));
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
  // No new work is asked for ("work with epoch E" ends the line); a
  // request sent before the pause may still report that it failed.
  static const std::regex asked{"work with epoch [0-9]+$"};
  for (auto& line : after)
    CHECK_FALSE(std::regex_search(line, asked));
  CHECK(text.find("checkpoint id") == std::string::npos);
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

TEST_CASE("example_master: hactl leader transfer under load: the leader "
          "drains and stops, the other master leads next, every checkpoint "
          "id is taken once, none is skipped, and a write with the old epoch "
          "is fenced",
          "[system][example][transfer]") {
  temp_dir dir;
  auto secret = (dir.path() / "admin.secret").string();
  std::ofstream{secret} << "the-admin-secret\n";
  std::filesystem::permissions(secret, std::filesystem::perms::owner_read
                                         | std::filesystem::perms::owner_write);
  running_node node{{"-D", "ha.admin.secret-file=" + secret}};
  auto port = node.endpoint.substr(node.endpoint.find(':') + 1);
  std::vector<std::string> options{"--work-every-ms", "20", "--drain-ms",
                                   "100"};
  std::vector<std::string> a_lines, b_lines;
  auto first = start_master(port, "master-a:6123", options);
  read_until(*first, "dispatcher: leading with epoch", a_lines);
  auto second = start_master(port, "master-b:6123", options);
  read_until(*second, "dispatcher is led by master-a:6123", b_lines);
  for (int i = 0; i < 5; ++i)
    read_until(*first, "checkpoint id", a_lines);
  auto moved = run_to_end({binary("hactl"), "--connect", node.endpoint,
                           "--json", "-D", "ha.admin.secret-file=" + secret,
                           "leader", "transfer", "dispatcher", "--to",
                           "master-b:6123"});
  INFO("hactl stderr: " << moved.stderr_text);
  REQUIRE(moved.exit_code == 0);
  read_until(*first, "dispatcher: draining", a_lines);
  read_until(*first, "dispatcher: not leading", a_lines);
  read_until(*second, "dispatcher: leading with epoch", b_lines);
  for (int i = 0; i < 5; ++i)
    read_until(*second, "checkpoint id", b_lines);
  auto a_ids = checkpoint_ids(a_lines);
  auto b_ids = checkpoint_ids(b_lines);
  REQUIRE(a_ids.size() >= 5);
  REQUIRE(b_ids.size() >= 5);
  auto old_epoch = a_ids.front().second;
  // A writer that kept using the old epoch is fenced now.
  auto stale = run_to_end({binary("hactl"), "--connect", node.endpoint,
                           "counter", "next", std::string(30, '0') + "77",
                           "--fence",
                           "dispatcher:" + std::to_string(old_epoch)});
  CHECK(stale.exit_code == 1);
  CHECK_THAT(stale.stderr_text, Catch::Contains("fenced"));
  first->signal(SIGTERM);
  second->signal(SIGTERM);
  CHECK(first->wait(10s) == 0);
  CHECK(second->wait(10s) == 0);
  for (auto& x : lines_within(*first, 1s))
    a_lines.push_back(x);
  for (auto& x : lines_within(*second, 1s))
    b_lines.push_back(x);
  a_ids = checkpoint_ids(a_lines);
  b_ids = checkpoint_ids(b_lines);
  for (auto& [id, epoch] : a_ids)
    CHECK(epoch == old_epoch);
  for (auto& [id, epoch] : b_ids)
    CHECK(epoch > old_epoch);
  // One sequence: the old leader's ids, then the new leader's, each once.
  std::vector<uint64_t> ids;
  for (auto& x : a_ids)
    ids.push_back(x.first);
  for (auto& x : b_ids)
    ids.push_back(x.first);
  for (size_t i = 1; i < ids.size(); ++i)
    CHECK(ids[i] == ids[i - 1] + 1);
  for (auto& line : a_lines)
    CHECK(line.find("failed") == std::string::npos);
}
