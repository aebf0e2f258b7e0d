// Multi-process: moving leadership on purpose through ha-node with hactl
// contenders: `hactl leader transfer` with the admin secret (draining
// first), the errors that leave the leader in place, a leader that does not
// drain in time, and fail-back to a contender of higher priority.

#include <csignal>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

std::string secret_file(const temp_dir& dir) {
  auto path = dir.path() / "admin.secret";
  std::ofstream{path} << "the-admin-secret\n";
  namespace fs = std::filesystem;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return path.string();
}

/// `hactl contend dispatcher --address ADDRESS` with `more` options, once
/// it joined.
std::unique_ptr<child_process>
contend(const running_node& node, const std::string& address,
        std::vector<std::string> more = {}) {
  auto proc = hactl(node.endpoint,
                    append({"contend", "dispatcher", "--address", address},
                           more));
  await_event(*proc, "joined");
  return proc;
}

outcome transfer(const running_node& node, const std::string& to,
                 const std::string& secret) {
  std::vector<std::string> argv{binary("hactl"), "--connect", node.endpoint,
                                "--json"};
  if (!secret.empty())
    argv = append(argv, {"-D", "ha.admin.secret-file=" + secret});
  return run_to_end(append(argv, {"leader", "transfer", "dispatcher", "--to",
                                  to, "--timeout-ms", "10000"}));
}

std::vector<nlohmann::json> participants(const running_node& node) {
  return hactl_lines(node.endpoint, {"leader", "participants", "dispatcher"});
}

} // namespace

TEST_CASE("hactl leader transfer: refused without the admin secret and for "
          "an unknown contender, leaving the leader in place, with it the "
          "leader drains, is revoked, and the named contender leads next, "
          "not the one that waited longer",
          "[system][transfer]") {
  temp_dir dir;
  auto secret = secret_file(dir);
  running_node node{{"-D", "ha.admin.secret-file=" + secret}};
  auto a = contend(node, "a:1", {"--drains", "--drain-ms", "200"});
  auto granted = await_event(*a, "confirmed");
  auto b = contend(node, "b:1");
  auto c = contend(node, "c:1", {"--priority", "-3"});
  auto refused = transfer(node, "c:1", "");
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.stderr_text, Catch::Contains("admin secret"));
  auto unknown = transfer(node, "nobody:1", secret);
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.stderr_text,
             Catch::Contains("no contender declared the address nobody:1"));
  auto listed = participants(node);
  REQUIRE(listed.size() == 3);
  CHECK(listed[0]["address"] == "a:1");
  CHECK(listed[0]["state"] == "leader");
  CHECK(listed[2]["priority"] == -3);
  auto moved = transfer(node, "c:1", secret);
  INFO("hactl stderr: " << moved.stderr_text);
  REQUIRE(moved.exit_code == 0);
  auto drained = await_event(*a, "draining");
  CHECK(drained["session_id"] == granted["session_id"]);
  await_event(*a, "revoked");
  auto confirmed = await_event(*c, "confirmed");
  CHECK(confirmed["epoch"].get<uint64_t>()
        > granted["epoch"].get<uint64_t>());
  listed = participants(node);
  REQUIRE(listed.size() == 3);
  for (auto& x : listed)
    CHECK((x["address"] == "c:1") == (x["state"] == "leader"));
  // b waited longer but was never granted.
  b->signal(SIGTERM);
  CHECK(b->wait(10s) == 0);
  for (int i = 0; i < 100; ++i) {
    auto line = b->read_line(1s);
    if (!line)
      break;
    CHECK(line->find("\"event\":\"granted\"") == std::string::npos);
  }
}

TEST_CASE("a leader that does not drain within ha.election.drain-timeout is "
          "revoked anyway and the named contender leads",
          "[system][transfer]") {
  temp_dir dir;
  auto secret = secret_file(dir);
  running_node node{{"-D", "ha.admin.secret-file=" + secret, "-D",
                     "ha.election.drain-timeout=300"}};
  auto a = contend(node, "a:1", {"--drains", "--drain-ms", "600000"});
  await_event(*a, "confirmed");
  auto b = contend(node, "b:1");
  REQUIRE(transfer(node, "b:1", secret).exit_code == 0);
  await_event(*a, "draining");
  await_event(*a, "revoked");
  await_event(*b, "confirmed");
  CHECK_THAT(node.process->error_output(),
             Catch::Contains("did not drain within 300 ms; revoked anyway"));
}

TEST_CASE("with ha.election.fail-back a contender of higher priority that "
          "joins takes over after the leader drained, one of equal priority "
          "waits",
          "[system][transfer]") {
  running_node node{{"-D", "ha.election.fail-back=dispatcher"}};
  auto a = contend(node, "a:1", {"--priority", "1", "--drains"});
  await_event(*a, "confirmed");
  auto same = contend(node, "same:1", {"--priority", "1"});
  auto high = contend(node, "high:1", {"--priority", "5"});
  await_event(*a, "draining");
  await_event(*a, "revoked");
  await_event(*high, "confirmed");
  auto listed = participants(node);
  REQUIRE(listed.size() == 3);
  for (auto& x : listed)
    CHECK((x["address"] == "high:1") == (x["state"] == "leader"));
}
