// The library's interface for a master that embeds the services: its own
// node monitor passed to make_services, served by the HTTP endpoint.

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "caf_ha/actors/client/leader.hpp"
#include "caf_ha/actors/client/request_watch.hpp"
#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/actors/ops/http_endpoint.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ha;
using namespace std::chrono_literals;

namespace {

struct system_config : caf::actor_system_config {
  system_config() {
    register_types(*this);
  }
};

/// Embedded services with a journal, reporting into `monitor`.
ha_services_actor start(caf::actor_system& sys, const test::temp_dir& dir,
                        std::shared_ptr<ops::node_monitor> monitor) {
  auto cfg = config::load("", {"high-availability=embedded",
                               "ha.journal.path=" + dir.path().string()
                                 + "/journal.jsonl"});
  REQUIRE(cfg);
  auto root = make_services(sys, *cfg, std::move(monitor));
  REQUIRE(root);
  return *root;
}

std::string get(uint16_t port, const char* path) {
  httplib::Client client{"127.0.0.1", port};
  auto res = client.Get(path);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return res->body;
}

} // namespace

TEST_CASE("a master embedding the services serves their metrics and status "
          "with its own monitor") {
  test::temp_dir dir;
  system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto monitor = std::make_shared<ops::node_monitor>();
  auto root = start(sys, dir, monitor);
  caf::scoped_actor self{sys};
  auto elector = watched_request<elector_actor>(
    self, root, 5s, caf::get_atom::value, elector_atom::value,
    std::string{"dispatcher"});
  REQUIRE(elector);
  leader_config lcfg;
  lcfg.component = "dispatcher";
  lcfg.address = "me:1";
  auto helper = spawn_leader(sys, *elector, lcfg,
                             caf::actor_cast<leadership_listener_actor>(self));
  bool leading = false;
  self->receive(
    [&](leading_atom, const std::string&, const fencing_token&) {
      leading = true;
    },
    caf::after(10s) >> [] {});
  REQUIRE(leading);
  auto endpoint = ops::http_endpoint::start("127.0.0.1", 0, monitor,
                                            ops::status_of(sys, root));
  REQUIRE(endpoint);
  auto port = (*endpoint)->port();
  auto metrics = get(port, "/metrics");
  CHECK_THAT(metrics, Catch::Contains("\ncaf_ha_leader{component=\"dispatcher\"} 1\n"));
  // The elector's messages went into the journal, and the metric says so.
  CHECK_THAT(metrics, !Catch::Contains("\ncaf_ha_journal_records_total 0\n"));
  CHECK_THAT(metrics, Catch::Contains("\ncaf_ha_journal_records_total "));
  auto status = nlohmann::json::parse(get(port, "/status.json"));
  CHECK(status["mode"] == "embedded");
  REQUIRE(status["components"].size() == 1);
  CHECK(status["components"][0]["leader"] == "me:1");
  CHECK(status["components"][0]["contenders"] == 1);
  endpoint->reset();
  caf::anon_send_exit(helper, caf::exit_reason::user_shutdown);
  caf::anon_send(root, caf::close_atom::value, std::string{});
}

TEST_CASE("the HTTP endpoint refuses a port in use, naming the address and "
          "the keys") {
  auto monitor = std::make_shared<ops::node_monitor>();
  auto none = [] { return caf::expected<std::string>{std::string{"{}"}}; };
  auto first = ops::http_endpoint::start("127.0.0.1", 0, monitor, none);
  REQUIRE(first);
  auto port = (*first)->port();
  auto second = ops::http_endpoint::start("127.0.0.1", port, monitor, none);
  REQUIRE_FALSE(second);
  CHECK(is(second.error(), errc::backend_unavailable));
  CHECK_THAT(describe(second.error()),
             Catch::Contains("127.0.0.1:" + std::to_string(port))
               && Catch::Contains("ha.metrics.port"));
}
