// Multi-process: this process is a client with a remote job graph store
// handle (actors/client/remote_store.hpp) on an ha-node in sqlite mode. The
// node is killed with SIGKILL and restarted on the same port and storage
// directory; the handle fails fast while it is gone and works again,
// unchanged, once the link is back.

#include <csignal>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/actors/client/remote_store.hpp"
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

/// The values of failure_detection_options (heartbeats, quick
/// reconnection), as a client process takes them.
config client_options() {
  std::vector<std::string> overrides;
  auto options = failure_detection_options();
  for (size_t i = 1; i < options.size(); i += 2)
    overrides.push_back(options[i]);
  auto cfg = config::load("", overrides);
  REQUIRE(cfg);
  return std::move(*cfg);
}

struct client_config : caf::actor_system_config {
  explicit client_config(const config& options) {
    load<caf::io::middleman>();
    register_types(*this);
    apply_network_settings(*this, options, network_role::client);
  }
};

/// The link's next message to the test: "connected" or "disconnected".
std::string next_link_event(caf::scoped_actor& self,
                            std::chrono::seconds timeout) {
  std::string result = "nothing within " + std::to_string(timeout.count())
                       + " s";
  self->receive(
    [&](connected_atom, const ha_services_actor&) { result = "connected"; },
    [&](disconnected_atom, const caf::error&) { result = "disconnected"; },
    caf::after(timeout) >> [] {});
  return result;
}

} // namespace

TEST_CASE("a remote store handle outlives a kill -9 of ha-node: it fails "
          "fast while the node is gone and reads back its earlier write "
          "from the restarted node",
          "[remote_store]") {
  running_node node{failure_detection_options()};
  auto options = client_options();
  client_config cfg{options};
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto port = static_cast<uint16_t>(std::stoi(node.port()));
  auto root = connect(sys, "127.0.0.1", port);
  REQUIRE(root);
  auto link = spawn_services_link(
    sys, {"127.0.0.1", port, reconnect_policy_from(options), *root});
  auto graphs = spawn_remote_job_graphs(sys, link);
  auto ask = [&](auto... xs) {
    caf::expected<job_graph> result = caf::sec::request_timeout;
    self->request(graphs, std::chrono::seconds(5), xs...)
      .receive([&](job_graph& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  };
  job_graph graph;
  graph.id.bytes[15] = 1;
  graph.name = "wordcount";
  graph.payload = {1, 2, 3};
  self->request(graphs, std::chrono::seconds(10), caf::put_atom::value, graph,
                fencing_token{})
    .receive([](caf::ok_atom) {},
             [](const caf::error& err) { FAIL("put: " << describe(err)); });
  // The handle joined the link before it could answer, so it hears of each
  // change before the test does.
  self->send(link, join_atom::value,
             caf::actor_cast<link_subscriber_actor>(
               caf::actor_cast<caf::actor>(self)));
  CHECK(next_link_event(self, std::chrono::seconds(5)) == "connected");
  node.process->signal(SIGKILL);
  REQUIRE(node.process->wait(5s).has_value());
  REQUIRE(next_link_event(self, std::chrono::seconds(5)) == "disconnected");
  { // Within the test's 5 s: the handle's own timeout is 30 s.
    auto during = ask(caf::get_atom::value, graph.id);
    REQUIRE_FALSE(during);
    INFO("error: " << describe(during.error()));
    CHECK(is(during.error(), errc::backend_unavailable));
    CHECK_THAT(describe(during.error()),
               Catch::StartsWith("job graph store: ")
                 && Catch::Contains("127.0.0.1:" + node.port()));
  }
  running_node restarted{append(failure_detection_options(),
                                {"-D", "ha.node.port=" + node.port()}),
                         node.storage.str()};
  REQUIRE(next_link_event(self, std::chrono::seconds(15)) == "connected");
  auto after = ask(caf::get_atom::value, graph.id);
  INFO("error: " << (after ? "" : describe(after.error())));
  REQUIRE(after);
  CHECK(after->name == "wordcount");
  CHECK(after->payload == graph.payload);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  self->monitor(graphs);
  self->receive([](const caf::down_msg&) {},
                caf::after(std::chrono::seconds(5)) >>
                  [] { FAIL("the handle did not end with its link"); });
}
