// Remote electors and retrievers (actors/client/remote_service.hpp) in one
// process, behind a fake services link the test moves up and down: a
// request in flight fails as soon as the connection is lost, a request made
// before the link said anything waits for the service, and a failed lookup
// is tried again while the connection stands. The proxies wait 10 s for an
// answer; the test waits at most 5 s, so a failure that arrives at all
// arrived without waiting for that timeout.

#include "caf_ha/actors/client/remote_service.hpp"

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/fake_services_link.hpp"

using namespace ha;
using namespace ha::test;

namespace {

constexpr auto test_wait = std::chrono::seconds(5);

using held_atom = caf::atom_constant<caf::atom("held")>;

struct fake_retriever_state {
  std::vector<caf::typed_response_promise<leader_info>> held;
};

/// A retriever that tells `observer` of each join and either answers `get`
/// or holds it unanswered (and says `held`).
caf::behavior fake_retriever(caf::stateful_actor<fake_retriever_state>* self,
                             caf::actor observer, bool answer) {
  return {
    [=](caf::get_atom) -> caf::result<leader_info> {
      if (answer)
        return leader_info{"a:1", {}, 3};
      self->send(observer, held_atom::value);
      self->state.held.push_back(self->make_response_promise<leader_info>());
      return self->state.held.back();
    },
    [=](join_atom, const listener_actor&) {
      self->send(observer, join_atom::value);
      return caf::ok_atom::value;
    },
    [=](leave_atom, const listener_actor&) { return caf::ok_atom::value; },
  };
}

/// A root whose first `fail_first` lookups fail.
caf::behavior fake_root(caf::stateful_actor<int>* self, caf::actor retriever,
                        int fail_first) {
  return {
    [=](caf::get_atom, retriever_atom,
        const std::string&) -> caf::result<retriever_actor> {
      if (self->state++ < fail_first)
        return make_error(errc::backend_unavailable, "busy");
      return caf::actor_cast<retriever_actor>(retriever);
    },
  };
}

caf::behavior quiet_listener(caf::event_based_actor*) {
  return {
    [](leader_atom, const std::string&, const leader_info&) {},
    [](retrieval_error_atom, const std::string&, const caf::error&) {},
  };
}

struct test_config : caf::actor_system_config {
  test_config() {
    register_types(*this);
  }
};

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  caf::actor link_actor = sys.spawn(fake_link);
  retriever_actor proxy = spawn_remote_retriever(
    sys, caf::actor_cast<services_link_actor>(link_actor), "rest");

  ~fixture() {
    self->send_exit(proxy, caf::exit_reason::user_shutdown);
    self->send_exit(link_actor, caf::exit_reason::user_shutdown);
  }

  void go_up(const caf::actor& root) {
    self->request(link_actor, test_wait, go_up_atom::value,
                  caf::actor_cast<ha_services_actor>(root))
      .receive([](caf::ok_atom) {},
               [](const caf::error& err) { FAIL(describe(err)); });
  }

  /// Asks the proxy for the leader from another actor, which reports the
  /// answer or the error to the test.
  void ask_leader_later() {
    auto me = caf::actor{self};
    auto target = proxy;
    sys.spawn([me, target](caf::event_based_actor* probe) {
      probe->request(target, std::chrono::seconds(30), caf::get_atom::value)
        .then([=](const leader_info& info) { probe->send(me, info); },
              [=](const caf::error& err) { probe->send(me, err); });
    });
  }

  template <class T>
  T await(const char* what) {
    T result;
    self->receive([&](const T& x) { result = x; },
                  caf::after(test_wait) >> [&] { FAIL("no " << what); });
    return result;
  }
};

} // namespace

TEST_CASE_METHOD(fixture,
                 "a remote retriever fails a request in flight as soon as "
                 "the connection is lost",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, false);
  go_up(sys.spawn(fake_root, retriever, 0));
  ask_leader_later();
  self->receive([](held_atom) {},
                caf::after(test_wait) >> [] { FAIL("the request never came"); });
  self->request(link_actor, test_wait, go_down_atom::value)
    .receive([](caf::ok_atom) {}, [](const caf::error&) {});
  auto err = await<caf::error>("failure");
  CHECK(is(err, errc::backend_unavailable));
  CHECK_THAT(describe(err),
             Catch::Contains("lost the connection to ha-node before rest"));
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a request made before the link said anything waits for the "
                 "service and gets its answer",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, true);
  ask_leader_later();
  go_up(sys.spawn(fake_root, retriever, 0));
  auto info = await<leader_info>("answer");
  CHECK(info.address == "a:1");
  CHECK(info.epoch == 3);
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a lookup that fails while connected is tried again and the "
                 "members join then",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, true);
  auto listener = caf::actor_cast<listener_actor>(sys.spawn(quiet_listener));
  self->request(proxy, test_wait, join_atom::value, listener)
    .receive([](caf::ok_atom) {},
             [](const caf::error& err) { FAIL(describe(err)); });
  go_up(sys.spawn(fake_root, retriever, 1));
  self->receive([](join_atom) {},
                caf::after(test_wait) >> [] { FAIL("never joined again"); });
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a remote retriever that stops fails the requests it holds "
                 "at once",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, false);
  // Stopped however the test ends: it holds a promise the system waits for.
  std::shared_ptr<void> stop_retriever{nullptr, [&](void*) {
    self->send_exit(retriever, caf::exit_reason::user_shutdown);
  }};
  go_up(sys.spawn(fake_root, retriever, 0));
  ask_leader_later();
  self->receive([](held_atom) {},
                caf::after(test_wait) >> [] { FAIL("the request never came"); });
  // The link ends (the application shuts down): the proxy ends with it.
  self->send_exit(link_actor, caf::exit_reason::user_shutdown);
  auto err = await<caf::error>("failure");
  CHECK(is(err, errc::closed));
  CHECK_THAT(describe(err), Catch::Contains("rest: the remote retrieval "
                                            "proxy stopped"));
}
