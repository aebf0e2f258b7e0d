// caf-ha as a master's project uses it: `cmake --install` into a fresh
// prefix, app/example_master configured and built from its own directory
// against that prefix (find_package(caf_ha)), a program built with nothing
// but pkg-config, and the example run against a real ha-node through a
// kill -9 and restart.

#include <csignal>
#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

/// Runs `argv` to its end within `timeout`; fails the test otherwise, with
/// what the program wrote (stdout joins stderr, which nobody has to read
/// while it runs).
void run_step(std::vector<std::string> argv, std::chrono::seconds timeout) {
  auto result = run_to_end(
    append({"/bin/sh", "-c", "exec \"$0\" \"$@\" 1>&2"}, argv), timeout);
  INFO(argv.front() << " " << argv.at(1) << " printed:\n"
                    << result.stderr_text);
  REQUIRE(result.exit_code == 0);
}

} // namespace

TEST_CASE("consumer: the installed package builds app/example_master on its "
          "own: it leads, writes fenced, and leads again after ha-node is "
          "killed and restarted",
          "[system][consumer]") {
  temp_dir work;
  auto prefix = (work.path() / "prefix").string();
  auto build = (work.path() / "build").string();
  run_step({"cmake", "--install", CAF_HA_BUILD_DIR, "--prefix", prefix}, 120s);
  run_step({"cmake", "-S", source_file("app/example_master"), "-B", build,
            "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix},
           120s);
  run_step({"cmake", "--build", build}, 280s);
  auto pc_main = (work.path() / "pc_main").string();
  run_step({"/bin/sh", "-c",
            "c++ -o \"$1\" \"$2\" $(PKG_CONFIG_PATH=\"$3\" pkg-config --cflags"
            " --libs caf_ha) && \"$1\"",
            "pc", pc_main, source_file("tests/consumer/pkg_config_main.cpp"),
            prefix + "/lib/pkgconfig"},
           120s);

  temp_dir storage;
  auto options = failure_detection_options();
  running_node node{options, storage.str()};
  auto job = job_hex(7);
  hactl_lines(node.endpoint,
              {"results", "create-dirty", job, "--status", "FAILED"});
  auto master_argv = std::vector<std::string>{
    "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", build + "/example_master",
    "--port", node.port(), "--name", "master-a:6123"};
  master_argv = append(master_argv, options);
  child_process master{master_argv};
  await_lines(master, {"dispatcher: leading with epoch",
                      "marked job " + job + " clean"});
  auto clean = hactl_lines(node.endpoint, {"results", "list"});
  REQUIRE(clean.size() == 1);
  CHECK(clean[0]["state"] == "clean");

  auto port = node.port();
  node.process->signal(SIGKILL);
  REQUIRE(node.process->wait(10s));
  await_lines(master, {"dispatcher: not leading"});
  running_node restarted{append(options, {"-D", "ha.node.port=" + port}),
                         storage.str()};
  await_lines(master, {"dispatcher: leading with epoch"}, 20s);
  master.signal(SIGTERM);
  CHECK(master.wait(10s) == 0);
}

TEST_CASE("consumer: the example master exits non-zero when its link to "
          "ha-node gives up",
          "[system][consumer]") {
  // Built by the test above into its own directory; here the in-tree
  // build of the same source serves.
  auto options = append(failure_detection_options(),
                        {"-D", "ha.client.reconnect.max-attempts=2"});
  running_node node{options};
  child_process master{append(
    {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", binary("example_master"),
     "--port", node.port(), "--name", "master-a:6123"},
    options)};
  await_lines(master, {"dispatcher: leading with epoch"});
  node.process->signal(SIGKILL);
  REQUIRE(node.process->wait(10s));
  await_lines(master, {"gave up"}, 20s);
  auto code = master.wait(10s);
  REQUIRE(code);
  CHECK(*code != 0);
}
