#pragma once

// Runs the services of one mode in a real actor system (the store actors
// are detached) and talks to them with blocking requests. The contract
// suites run every case once per mode.

#include <chrono>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zookeeper_server.hpp"

namespace ha::test {

/// The modes whose stores the contract suites cover.
#define HA_STORE_MODES "embedded", "sqlite", "zookeeper"

struct services_config : caf::actor_system_config {
  services_config() {
    register_types(*this);
  }
};

class services_fixture {
public:
  explicit services_fixture(std::string mode) : mode_(std::move(mode)) {
  }

  ~services_fixture() {
    for (auto& root : roots_)
      caf::anon_send(root, caf::close_atom::value, std::string{});
  }

  const std::string& mode() const {
    return mode_;
  }

  /// True if two roots of this mode see the same data, as two processes do.
  bool shared_between_roots() const {
    return mode_ != "embedded";
  }

  /// Starts the services of the mode for `cluster`, in the fixture's storage.
  /// `extra` are more -D style overrides.
  ha_services_actor start(const std::string& cluster = "default",
                          const std::vector<std::string>& extra = {}) {
    std::vector<std::string> overrides{
      "high-availability=" + mode_,
      "high-availability.storageDir=" + dir_.str(),
      "high-availability.cluster-id=" + cluster};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    if (mode_ == "zookeeper") {
      auto prefix = std::string{"high-availability.zookeeper."};
      overrides.push_back(prefix + "quorum=" + zookeeper_quorum());
      overrides.push_back(prefix + "path.root=" + zk_root_);
      overrides.push_back(prefix + "client.session-timeout=4000");
      overrides.push_back(prefix + "client.connection-timeout=5000");
    }
    auto cfg = config::load("", overrides);
    REQUIRE(cfg);
    auto root = make_services(sys_, *cfg);
    INFO("make_services: " << (root ? "" : describe(root.error())));
    REQUIRE(root);
    roots_.push_back(*root);
    return *root;
  }

  /// Closes a root and waits until it is gone.
  void close(const ha_services_actor& root) {
    caf::scoped_actor self{sys_};
    self->monitor(root);
    self->send(root, caf::close_atom::value, std::string{});
    self->receive([](const caf::down_msg&) {},
                  caf::after(std::chrono::seconds(10)) >>
                    [] { FAIL("root did not stop"); });
  }

  template <class Handle, class Atom>
  Handle service(const ha_services_actor& root, Atom which) {
    return ask<Handle>(root, caf::get_atom::value, which);
  }

  /// Sends a request and returns the answer; fails the test on an error.
  template <class R, class Handle, class... Ts>
  R ask(const Handle& dest, Ts&&... xs) {
    auto x = try_ask<R>(dest, std::forward<Ts>(xs)...);
    INFO("request failed: " << (x ? "" : describe(x.error())));
    REQUIRE(x);
    return std::move(*x);
  }

  template <class R, class Handle, class... Ts>
  caf::expected<R> try_ask(const Handle& dest, Ts&&... xs) {
    caf::scoped_actor self{sys_};
    caf::expected<R> result = caf::sec::request_timeout;
    self->request(dest, std::chrono::seconds(30), std::forward<Ts>(xs)...)
      .receive([&](R& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  caf::actor_system& sys() {
    return sys_;
  }

  const temp_dir& dir() const {
    return dir_;
  }

private:
  std::string mode_;
  /// One root per fixture on the shared test server.
  std::string zk_root_ = unique_zookeeper_root();
  temp_dir dir_;
  services_config cfg_;
  caf::actor_system sys_{cfg_};
  std::vector<ha_services_actor> roots_;
};

/// A job id made from a small number, for readable tests.
inline job_id test_job(uint8_t n) {
  job_id id;
  id.bytes[15] = n;
  return id;
}

} // namespace ha::test
