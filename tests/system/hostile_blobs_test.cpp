// A hostile peer against the blob store handle the root hands out, over
// plain TCP and over mutual TLS with a valid certificate: no file of the
// node's host is read or written on a peer's word, a peer cannot wipe the
// blobs, and one peer holds at most four open uploads.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

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
