// Multi-process: two copies of app/example_master against one ha-node, as
// in the README's tour: the first leads, recovers the job graphs and cleans
// up the dirty job results; when it is killed, the second takes over and
// does the same.

#include <csignal>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

const std::string second_job = "0123456789abcdef0123456789abcdef";
const std::string dirty_job = "fedcba9876543210fedcba9876543210";

/// An example_master whose log lines (stderr) arrive on its stdout pipe.
std::unique_ptr<child_process> start_master(const std::string& port,
                                            const std::string& name) {
  return std::make_unique<child_process>(std::vector<std::string>{
    "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", binary("example_master"),
    "--port", port, "--name", name});
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
