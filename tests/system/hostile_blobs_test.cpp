// A hostile peer against the blob store handle the root hands out, over
// plain TCP and over mutual TLS with a valid certificate: no file of the
// node's host is read or written on a peer's word, a peer cannot wipe the
// blobs, one peer holds at most four open uploads, and a peer that asks for
// many chunks and stops reading is dropped before ha-node queues them.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/hostile_cluster.hpp"

using namespace ha::test;
namespace fs = std::filesystem;

namespace {

const std::string job = "0123456789abcdef0123456789abcdef";

std::string read_file(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out{path, std::ios::binary};
  out << content;
}

/// Files the node stores for `job` (its blob directory in sqlite mode).
size_t stored_blobs(hostile_cluster& cluster) {
  auto dir = cluster.node().storage.path() / "default" / "blob"
             / ("job_" + job);
  if (!fs::exists(dir))
    return 0;
  auto entries = fs::directory_iterator{dir};
  return static_cast<size_t>(std::distance(entries, fs::directory_iterator{}));
}

} // namespace

TEST_CASE("a peer cannot make the blob store ingest a file of the node's "
          "host by path",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  temp_dir secrets;
  auto secret = secrets.path() / "secret";
  write_file(secret, "the node's secret");
  auto report = cluster.attack("blob-put-path",
                               {"--job", job, "--path", secret.string()});
  CHECK(report["outcome"] == "refused");
  CHECK(report["code"] == "unexpected_message");
  CHECK(stored_blobs(cluster) == 0);
  if (report.contains("key")) {
    // The hole, end to end: any peer can now download the file.
    temp_dir out;
    auto copy = out.path() / "copy";
    auto get = cluster.hactl({"blobs", "get", report["key"], "--job-id", job,
                              "--out", copy.string()});
    get->wait(20s);
    CHECK_FALSE(fs::exists(copy));
  }
  cluster.expect_served();
}

TEST_CASE("a peer cannot make the blob store write a file of the node's host "
          "by path",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  temp_dir targets;
  auto fresh = targets.path() / "fresh";
  auto report = cluster.attack("blob-get-path",
                               {"--job", job, "--target", fresh.string()});
  CHECK(report["outcome"] == "refused");
  CHECK(report["code"] == "unexpected_message");
  CHECK_FALSE(fs::exists(fresh));
  auto existing = targets.path() / "existing";
  write_file(existing, "original");
  report = cluster.attack("blob-get-path",
                          {"--job", job, "--target", existing.string()});
  CHECK(report["outcome"] == "refused");
  CHECK(read_file(existing) == "original");
  cluster.expect_served();
}

TEST_CASE("a peer cannot wipe every blob with the blob store's own cleanup",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("blob-cleanup", {"--job", job});
  CHECK(report["outcome"] == "refused");
  CHECK(report["blob_survived"] == true);
  cluster.expect_served();
}

TEST_CASE("the fifth open upload of one peer is refused naming "
          "ha.blob.max-uploads-per-peer",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto report = cluster.attack("uploads", {"--job", job, "--count", "8"});
  CHECK(report["outcome"] == "refused");
  CHECK(report["refused_at"] == 5);
  CHECK(report["code"] == "limit_reached");
  CHECK_THAT(report.value("error", std::string{}),
             Catch::Contains("ha.blob.max-uploads-per-peer"));
  cluster.expect_served();
}

namespace {

/// Waits until ha-node's log has a line with `text`, polling its stderr;
/// false after `timeout`.
bool logged(hostile_cluster& cluster, const std::string& text,
            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 10000; ++i) {
    if (cluster.log_lines_with(text) > 0)
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

} // namespace

TEST_CASE("a peer that asks for 1 GiB of chunks and reads none is dropped "
          "and ha-node's memory stays bounded",
          "[hostile][system]") {
  auto mode = GENERATE(transport::plain, transport::tls);
  INFO("over " << to_string(mode));
  hostile_cluster cluster{mode};
  auto peer = cluster.start_attack("unread-chunks",
                                   {"--job", job, "--count", "128"});
  auto line = peer->read_line(std::chrono::seconds(60));
  INFO("hostile_peer stderr: " << peer->error_output());
  REQUIRE(line);
  // "sent": it stopped itself after the first answer; "dropped": the node
  // dropped it while it still read that answer (a slow, sanitized build).
  CHECK_THAT(*line, Catch::Contains("\"outcome\":\"sent\"")
                      || Catch::Contains("\"outcome\":\"dropped\""));
  auto dropped = logged(cluster, "of answers unread (at most 64 MiB)",
                        std::chrono::seconds(30));
  auto peak_kb = status_kb(cluster.node().process->pid(), "VmHWM");
  peer->signal(SIGKILL);
  peer->wait(std::chrono::seconds(10));
  CHECK(dropped);
  INFO("ha-node VmHWM " << peak_kb << " kB");
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer's allocator keeps what it frees: the bound holds for
  // the build without it.
  WARN("peak memory not judged under AddressSanitizer");
#else
  // At most 64 MiB queued for the socket, what it was writing, answers
  // waiting for CAF's network thread and the node itself (~270 MiB); the
  // rest of the 1 GiB asked for was never queued.
  CHECK(peak_kb < 400 * 1024);
#endif
  cluster.expect_served();
}
