// Multi-process: hactl shows the progress of a blob transfer on a terminal
// (run under a pseudo-terminal by script(1)) and stays quiet when its
// output goes to a pipe or is JSON.

#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

const std::string job = "0123456789abcdef0123456789abcdef";

/// 24 MiB of pseudo-random bytes: 24 chunks, so several progress updates.
std::string make_file(const temp_dir& dir) {
  auto path = dir.path().string() + "/state.bin";
  std::mt19937 gen{7};
  std::string content(24 * 1024 * 1024, '\0');
  for (auto& c : content)
    c = static_cast<char>(gen());
  std::ofstream{path, std::ios::binary} << content;
  return path;
}

/// Everything `hactl --connect ENDPOINT ARGS` writes to the terminal
/// script(1) gives it (stdout and stderr alike).
std::string on_terminal(const std::string& endpoint, const std::string& args) {
  child_process proc{{"/usr/bin/script", "-qefc",
                      binary("hactl") + " --connect " + endpoint + " " + args,
                      "/dev/null"}};
  std::string seen;
  for (int i = 0; i < 1000; ++i) {
    auto line = proc.read_line(60s);
    if (!line)
      break;
    seen += *line + "\n";
  }
  INFO(seen << proc.error_output());
  CHECK(proc.wait(60s) == 0);
  return seen;
}

} // namespace

TEST_CASE("hactl blobs put and get show bytes, rate and ETA on a terminal") {
  running_node node;
  temp_dir dir;
  auto file = make_file(dir);
  auto put = on_terminal(node.endpoint, "blobs put " + file + " --job-id " + job);
  CHECK_THAT(put, Catch::Contains("uploading 24.0 MiB / 24.0 MiB (100%)"));
  CHECK_THAT(put, Catch::Contains("MiB/s"));
  auto key_at = put.find("key=");
  REQUIRE(key_at != std::string::npos);
  auto key = put.substr(key_at + 4, put.find(' ', key_at) - key_at - 4);
  auto get = on_terminal(node.endpoint, "blobs get " + key + " --job-id " + job
                                          + " --out " + dir.path().string() + "/back.bin");
  CHECK_THAT(get, Catch::Contains("downloading 24.0 MiB / 24.0 MiB (100%)"));
}

TEST_CASE("hactl blobs put shows no progress with --json or into a pipe") {
  running_node node;
  temp_dir dir;
  auto file = make_file(dir);
  auto json = on_terminal(node.endpoint,
                          "--json blobs put " + file + " --job-id " + job);
  CHECK_THAT(json, !Catch::Contains("uploading"));
  CHECK_THAT(json, Catch::Contains("\"event\":\"blob_put\""));
  child_process piped{{binary("hactl"), "--connect", node.endpoint, "blobs",
                       "put", file, "--job-id", job}};
  auto line = piped.read_line(60s);
  REQUIRE(line);
  CHECK_THAT(*line, Catch::StartsWith("blob_put "));
  CHECK(piped.wait(60s) == 0);
  CHECK(piped.error_output().empty());
}
