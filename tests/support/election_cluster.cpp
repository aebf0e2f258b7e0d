#include "tests/support/election_cluster.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

namespace ha::test {

std::string contender_address(size_t i) {
  return "master-" + std::to_string(i) + ":6123";
}

election_cluster::election_cluster(std::string endpoint,
                                   size_t contender_count,
                                   launcher_fn launcher)
  : endpoint_(std::move(endpoint)), launcher_(std::move(launcher)) {
  watcher_ = start({"leader", "watch", "dispatcher"});
  CHECK(next_event(*watcher_)["address"] == "");
  for (size_t i = 0; i < contender_count; ++i)
    contenders_.push_back(start({"contend", "dispatcher", "--address",
                                 contender_address(i)},
                                static_cast<int>(i)));
  for (auto& contender : contenders_)
    await_event(*contender, "joined");
  await_new_leader();
}

std::unique_ptr<child_process>
election_cluster::start(const std::vector<std::string>& args, int who) const {
  std::vector<std::string> launcher;
  if (launcher_)
    launcher = launcher_(who);
  return hactl(endpoint_, append(failure_detection_options(), args),
               std::move(launcher));
}

nlohmann::json
election_cluster::await_new_leader(std::chrono::milliseconds timeout) {
  auto deadline = now_ms() + timeout.count();
  nlohmann::json seen;
  // Bounded by the deadline: await_event fails the test when it passes.
  do {
    seen = await_event(*watcher_, "leader",
                       std::chrono::milliseconds{
                         std::max<int64_t>(1, deadline - now_ms())});
  } while (seen["address"] == ""
           || seen["epoch"].get<uint64_t>() <= leader_epoch_);
  leader_epoch_ = seen["epoch"].get<uint64_t>();
  leader_index_ = index_of(seen["address"]);
  auto confirmed = await_event(*contenders_[leader_index_], "confirmed");
  CHECK(confirmed["session_id"] == seen["session_id"]);
  CHECK(confirmed["epoch"] == seen["epoch"]);
  return confirmed;
}

size_t election_cluster::index_of(const std::string& address) const {
  for (size_t i = 0; i < contenders_.size(); ++i)
    if (contender_address(i) == address)
      return i;
  FAIL("no contender has address " << address);
  return 0;
}

} // namespace ha::test
