#pragma once

// A deterministic CAF test fixture for Catch2 tests, and recording
// contenders and listeners: tests drive services with messages and assert
// on what the recorders received.

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/test/dsl.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ha_services.hpp"
#include "caf_ha/messages/type_registry.hpp"

namespace ha::test {

struct test_config : caf::actor_system_config {
  test_config() {
    register_types(*this);
  }
};

/// One message a recorder received.
struct record {
  std::string kind; // grant, revoke, election_error, drain, leader,
                    // retrieval_error
  std::string component;
  leader_info info; // session and epoch of grants and revokes too
  caf::error err;
};

using record_log = std::shared_ptr<std::vector<record>>;

/// Records what a contender receives, `drain` too (it answers nothing: a
/// test that makes it drain says `drained` itself).
inline draining_contender_actor::behavior_type
recording_contender(draining_contender_actor::pointer, record_log log) {
  return {
    [=](grant_atom, const std::string& c, const session_id& s, epoch_t e) {
      log->push_back({"grant", c, {"", s, e}, {}});
    },
    [=](revoke_atom, const std::string& c, const session_id& s) {
      log->push_back({"revoke", c, {"", s, 0}, {}});
    },
    [=](election_error_atom, const std::string& c, const caf::error& err) {
      log->push_back({"election_error", c, {}, err});
    },
    [=](drain_atom, const std::string& c, const session_id& s) {
      log->push_back({"drain", c, {"", s, 0}, {}});
    },
  };
}

inline listener_actor::behavior_type
recording_listener(listener_actor::pointer, record_log log) {
  return {
    [=](leader_atom, const std::string& c, const leader_info& info) {
      log->push_back({"leader", c, info, {}});
    },
    [=](retrieval_error_atom, const std::string& c, const caf::error& err) {
      log->push_back({"retrieval_error", c, {}, err});
    },
  };
}

template <class Handle>
struct recorder {
  Handle handle;
  record_log log;

  const record& last() const {
    REQUIRE(!log->empty());
    return log->back();
  }
};

struct actor_fixture : ::test_coordinator_fixture<test_config> {
  /// Services hold their drivers and drivers hold the services' handles:
  /// shut them down as their owner would, or the system never stops.
  ~actor_fixture() override {
    for (auto& svc : services_)
      caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    run();
  }

  /// Registers a service for shutdown at the end of the test.
  template <class Handle>
  Handle keep(Handle svc) {
    services_.push_back(caf::actor_cast<caf::actor>(svc));
    return svc;
  }

  recorder<contender_actor> make_contender() {
    auto log = std::make_shared<std::vector<record>>();
    return {caf::actor_cast<contender_actor>(
              sys.spawn(recording_contender, log)),
            log};
  }

  recorder<listener_actor> make_listener() {
    auto log = std::make_shared<std::vector<record>>();
    return {sys.spawn(recording_listener, log), log};
  }

  /// Sends a request, runs every actor until idle, returns the reply.
  template <class R, class Handle, class... Ts>
  R ask(const Handle& dest, Ts&&... xs) {
    auto answer = ask_expected<R>(dest, std::forward<Ts>(xs)...);
    if (!answer)
      FAIL("request failed: " << sys.render(answer.error()));
    return std::move(*answer);
  }

  template <class R, class Handle, class... Ts>
  caf::expected<R> ask_expected(const Handle& dest, Ts&&... xs) {
    auto pending = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    run();
    caf::expected<R> result = caf::sec::request_timeout;
    pending.receive([&](R& x) { result = std::move(x); },
                    [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  void kill(const caf::actor_addr& who) {
    caf::anon_send_exit(who, caf::exit_reason::kill);
    run();
  }

private:
  std::vector<caf::actor> services_;
};

} // namespace ha::test
