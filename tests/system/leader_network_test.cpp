// The leader helper of a master process over a real CAF connection to an
// ha-node child process: its grants come from the node's elector, which
// the helper never saw a handle of, and must still count; kill -9 and a
// restart of the node must end and restart leadership.

#include <csignal>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/actors/client/leader.hpp"
#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/actors/client/services_link.hpp"
#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/actors/net/network.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/cluster.hpp"

using namespace ha;
using namespace ha::test;

namespace {

/// The `key=value` parts of `-D key=value` options.
std::vector<std::string> overrides_of(const std::vector<std::string>& args) {
  std::vector<std::string> result;
  for (auto& arg : args)
    if (arg != "-D")
      result.push_back(arg);
  return result;
}

/// What the application (the test's scoped actor) heard next.
struct heard {
  std::string kind;
  fencing_token token;
  caf::error why;
};

heard next_from_helper(caf::scoped_actor& self,
                       std::chrono::milliseconds timeout) {
  heard result{"nothing", {}, {}};
  self->receive(
    [&](leading_atom, const std::string&, const fencing_token& token) {
      result = {"leading", token, {}};
    },
    [&](not_leading_atom, const std::string&, const caf::error& why) {
      result = {"not_leading", {}, why};
    },
    caf::after(timeout) >> [] {});
  return result;
}

} // namespace

TEST_CASE("a leader helper over a real connection leads, stops at once when "
          "ha-node is killed and leads again with a higher epoch after its "
          "restart",
          "[leader][system]") {
  running_node node{failure_detection_options()};
  auto cfg = config::load("", overrides_of(failure_detection_options()));
  REQUIRE(cfg);
  caf::actor_system_config sys_cfg;
  sys_cfg.load<caf::io::middleman>();
  register_types(sys_cfg);
  apply_network_settings(sys_cfg, *cfg, network_role::client);
  caf::actor_system sys{sys_cfg};
  auto port = static_cast<uint16_t>(std::stoi(node.port()));
  auto root = connect(sys, "127.0.0.1", port);
  REQUIRE(root);
  auto link = spawn_services_link(
    sys, {"127.0.0.1", port, reconnect_policy_from(*cfg), *root});
  auto elector = spawn_remote_elector(sys, link, "dispatcher");
  caf::scoped_actor app{sys};
  auto helper = spawn_leader(sys, elector, {"dispatcher", "master-a:6123"},
                             caf::actor_cast<leadership_listener_actor>(app));
  auto first = next_from_helper(app, 10s);
  REQUIRE(first.kind == "leading");
  CHECK(first.token.component == "dispatcher");
  auto published = hactl_lines(node.endpoint, {"leader", "get", "dispatcher"});
  REQUIRE(published.size() == 1);
  CHECK(published[0]["address"] == "master-a:6123");
  CHECK(published[0]["epoch"] == first.token.epoch);
  node.process->signal(SIGKILL);
  REQUIRE(node.process->wait(5s).has_value());
  auto lost = next_from_helper(app, 5s);
  REQUIRE(lost.kind == "not_leading");
  CHECK(is(lost.why, errc::backend_unavailable));
  running_node restarted{append(failure_detection_options(),
                                {"-D", "ha.node.port=" + node.port()}),
                         node.storage.str()};
  auto again = next_from_helper(app, 15s);
  REQUIRE(again.kind == "leading");
  CHECK(again.token.epoch > first.token.epoch);
  app->request(helper, 5s, caf::get_atom::value)
    .receive([&](const fencing_token& t) { CHECK(t.epoch == again.token.epoch); },
             [&](const caf::error& err) { FAIL(sys.render(err)); });
  app->request(helper, 5s, leave_atom::value)
    .receive([](caf::ok_atom) {},
             [&](const caf::error& err) { FAIL(sys.render(err)); });
  CHECK(next_from_helper(app, 5s).kind == "not_leading");
  caf::anon_send_exit(elector, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
}
