// Multi-process, mode zookeeper with `client.acl: creator`: hactl with the
// cluster's credentials (from an auth file) writes and reads; hactl on the
// same nodes without them gets "permission denied", never data, from the
// stores and from the election.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "caf_ha/messages/ids.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/zookeeper_server.hpp"
#include "tests/system/zookeeper_hactl.hpp"

using namespace ha::test;

namespace {

/// A zk.yaml on the shared root, plus `extra` lines.
std::string write_config(const temp_dir& dir, const std::string& name,
                         const std::string& root, const std::string& extra) {
  auto path = dir.str() + "/" + name;
  std::ofstream out{path};
  out << "high-availability: zookeeper\n"
      << "high-availability.storageDir: " << dir.str() << "/storage\n"
      << "high-availability.zookeeper.quorum: " << zookeeper_quorum() << "\n"
      << "high-availability.zookeeper.path.root: " << root << "\n"
      << "high-availability.zookeeper.client.connection-timeout: 5000\n"
      << extra;
  return path;
}

} // namespace

TEST_CASE("zookeeper: with the creator ACL, hactl without the cluster's "
          "credentials gets permission denied, not data",
          "[zookeeper][system][acl]") {
  temp_dir dir;
  auto secret = dir.str() + "/zk-auth";
  std::ofstream{secret} << "caf-ha:0wner-pass\n";
  std::filesystem::permissions(secret, std::filesystem::perms::owner_read
                                         | std::filesystem::perms::owner_write);
  auto root = unique_zookeeper_root();
  auto owner = write_config(
    dir, "owner.yaml", root,
    "high-availability.zookeeper.client.acl: creator\n"
    "high-availability.zookeeper.client.auth-file: " + secret + "\n");
  auto stranger = write_config(dir, "stranger.yaml", root, "");
  ha::job_id id;
  id.bytes.fill(0x7e);
  auto job = ha::to_string(id);
  auto writer = hactl_zk(owner, {"results", "create-dirty", job, "--status",
                                 "FAILED"});
  INFO("owner stderr: " << writer->error_output());
  // Generous: each of hactl's ZooKeeper sessions may take a retry (5 s
  // connection timeout, 5 s wait) when the shared server is busy with other
  // tests; a passing run ends as soon as hactl does.
  REQUIRE(writer->wait(90s) == 0);
  SECTION("the owner reads its result") {
    auto reader = hactl_zk(owner, {"results", "list"});
    auto line = reader->read_line(90s);
    REQUIRE(line);
    CHECK(nlohmann::json::parse(*line)["job_id"] == job);
    CHECK(reader->wait(90s) == 0);
  }
  SECTION("a store read without credentials fails and shows nothing") {
    auto reader = hactl_zk(stranger, {"results", "list"});
    CHECK_FALSE(reader->read_line(90s));
    auto code = reader->wait(90s);
    REQUIRE(code);
    CHECK(*code != 0);
    CHECK_THAT(reader->error_output(),
               Catch::Contains("permission denied")
                 && Catch::Contains(root) && !Catch::Contains("0wner-pass"));
  }
  SECTION("a contender without credentials hears permission denied") {
    auto contender = hactl_zk(stranger, {"contend", "dispatcher", "--address",
                                         "intruder:1"});
    // Bounded: joined, then the error; never a grant.
    nlohmann::json event;
    for (int i = 0; i < 3; ++i) {
      event = next_event(*contender, 20s);
      CHECK(event["event"] != "granted");
      if (event["event"] == "error")
        break;
    }
    CHECK(event["event"] == "error");
    CHECK_THAT(event["error"].get<std::string>(),
               Catch::Contains("permission denied"));
  }
}
