// Remote electors and retrievers (actors/client/remote_service.hpp) in one
// process, behind a fake services link the test moves up and down: a
// request in flight fails as soon as the connection is lost, a request made
// before the link said anything waits for the service, and a failed lookup
// is tried again while the connection stands. The proxies wait 10 s for an
// answer; the test waits at most 5 s, so a failure that arrives at all
// arrived without waiting for that timeout.

#include "caf_ha/actors/client/remote_service.hpp"

#include <map>
#include <vector>

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

using publish_atom = caf::atom_constant<caf::atom("publish")>;
using joins_atom = caf::atom_constant<caf::atom("joins")>;

struct fake_retriever_state {
  std::vector<caf::typed_response_promise<leader_info>> held;
  std::vector<listener_actor> joined;
  int joins = 0;
  /// What `get` answers: the last leader published.
  leader_info last{"a:1", {}, 3};
};

/// A retriever that tells `observer` of each join and leave, reports
/// `publish`ed leaders to its listeners, and either answers `get` with the
/// last of them or holds it unanswered (and says `held`).
caf::behavior fake_retriever(caf::stateful_actor<fake_retriever_state>* self,
                             caf::actor observer, bool answer) {
  return {
    [=](caf::get_atom) -> caf::result<leader_info> {
      if (answer)
        return self->state.last;
      self->send(observer, held_atom::value);
      self->state.held.push_back(self->make_response_promise<leader_info>());
      return self->state.held.back();
    },
    [=](join_atom, const listener_actor& listener) {
      self->state.joined.push_back(listener);
      ++self->state.joins;
      self->send(observer, join_atom::value);
      return caf::ok_atom::value;
    },
    [=](leave_atom, const listener_actor&) {
      self->state.joined.clear();
      self->send(observer, leave_atom::value);
      return caf::ok_atom::value;
    },
    [=](publish_atom, const leader_info& info) {
      self->state.last = info;
      for (auto& listener : self->state.joined)
        self->send(listener, leader_atom::value, std::string{"rest"}, info);
    },
    [=](joins_atom) { return self->state.joins; },
  };
}

/// A retriever that still knows the proxy from a join that timed out on
/// the proxy's side: it refuses the join again (and so reports nothing)
/// and answers `get`.
caf::behavior knowing_retriever(caf::event_based_actor* self,
                                caf::actor observer) {
  return {
    [=](join_atom, const listener_actor&) -> caf::result<caf::ok_atom> {
      self->send(observer, join_atom::value);
      return make_error(errc::already_exists, "listener already joined");
    },
    [](leave_atom, const listener_actor&) { return caf::ok_atom::value; },
    [](caf::get_atom) { return leader_info{"a:1", {}, 3}; },
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

/// A listener that tells `observer` (tag, leader address) of each report
/// and (tag, "error") of each retrieval error.
caf::behavior reporting_listener(caf::event_based_actor* self,
                                 caf::actor observer, int tag) {
  return {
    [=](leader_atom, const std::string&, const leader_info& info) {
      self->send(observer, tag, info.address);
    },
    [=](retrieval_error_atom, const std::string&, const caf::error&) {
      self->send(observer, tag, std::string{"error"});
    },
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

  listener_actor join_reporting(int tag) {
    auto listener = caf::actor_cast<listener_actor>(
      sys.spawn(reporting_listener, caf::actor{self}, tag));
    self->request(proxy, test_wait, join_atom::value, listener)
      .receive([](caf::ok_atom) {},
               [](const caf::error& err) { FAIL(describe(err)); });
    return listener;
  }

  /// Waits until the fake retriever says the proxy joined it.
  void await_proxy_join() {
    self->receive([](join_atom) {},
                  caf::after(test_wait) >> [] { FAIL("the proxy never joined"); });
  }

  /// The next report of the listener tagged `tag`.
  std::string report_of(int tag) {
    std::string address;
    self->receive(
      [&](int from, const std::string& x) {
        CHECK(from == tag);
        address = x;
      },
      caf::after(test_wait) >> [&] { FAIL("no report for listener " << tag); });
    return address;
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

TEST_CASE_METHOD(fixture,
                 "a remote retriever joins the node once for all its "
                 "listeners and relays each change to each of them",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, true);
  go_up(sys.spawn(fake_root, retriever, 0));
  std::vector<listener_actor> listeners;
  for (int tag = 0; tag < 3; ++tag)
    listeners.push_back(join_reporting(tag));
  await_proxy_join();
  self->send(retriever, publish_atom::value, leader_info{"a:1", {}, 1});
  // The same leader again is no change: the next report is b's.
  self->send(retriever, publish_atom::value, leader_info{"a:1", {}, 1});
  self->send(retriever, publish_atom::value, leader_info{"b:2", {}, 2});
  std::map<int, std::vector<std::string>> seen;
  for (int i = 0; i < 6; ++i)
    self->receive(
      [&](int tag, const std::string& address) {
        seen[tag].push_back(address);
      },
      caf::after(test_wait) >> [] { FAIL("a listener missed a report"); });
  for (int tag = 0; tag < 3; ++tag)
    CHECK(seen[tag] == std::vector<std::string>{"a:1", "b:2"});
  // A late listener hears the current leader from the proxy at once.
  listeners.push_back(join_reporting(3));
  CHECK(report_of(3) == "b:2");
  self->request(retriever, test_wait, joins_atom::value)
    .receive([](int joins) { CHECK(joins == 1); },
             [](const caf::error& err) { FAIL(describe(err)); });
  for (auto& listener : listeners)
    self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a remote retriever relays reports only from the node's "
                 "retriever it joined",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, true);
  go_up(sys.spawn(fake_root, retriever, 0));
  auto listener = join_reporting(0);
  await_proxy_join();
  // The forgery reaches the proxy before the node's report.
  self->send(caf::actor_cast<caf::actor>(proxy), leader_atom::value,
             std::string{"rest"}, leader_info{"forged:1", {}, 9});
  self->send(retriever, publish_atom::value, leader_info{"a:1", {}, 1});
  CHECK(report_of(0) == "a:1");
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a remote retriever leaves the node's retriever when its "
                 "last listener leaves and refuses a listener joining twice",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, true);
  go_up(sys.spawn(fake_root, retriever, 0));
  auto first = join_reporting(0);
  auto second = join_reporting(1);
  await_proxy_join();
  self->request(proxy, test_wait, join_atom::value, first)
    .receive([](caf::ok_atom) { FAIL("joined twice"); },
             [](const caf::error& err) {
               CHECK(is(err, errc::already_exists));
             });
  for (auto& listener : {first, second})
    self->request(proxy, test_wait, leave_atom::value, listener)
      .receive([](caf::ok_atom) {},
               [](const caf::error& err) { FAIL(describe(err)); });
  self->receive([](leave_atom) {},
                caf::after(test_wait) >> [] { FAIL("the proxy never left"); });
  self->send_exit(first, caf::exit_reason::user_shutdown);
  self->send_exit(second, caf::exit_reason::user_shutdown);
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a remote retriever whose join the node already knew reads "
                 "the current leader for its listeners",
                 "[remote_service]") {
  auto retriever = sys.spawn(knowing_retriever, caf::actor{self});
  go_up(sys.spawn(fake_root, retriever, 0));
  auto listener = join_reporting(0);
  await_proxy_join();
  CHECK(report_of(0) == "a:1");
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture,
                 "a remote retriever's listeners hear of a lost connection "
                 "and the current leader once it is back",
                 "[remote_service]") {
  auto retriever = sys.spawn(fake_retriever, caf::actor{self}, true);
  auto root = sys.spawn(fake_root, retriever, 0);
  go_up(root);
  auto listener = join_reporting(0);
  await_proxy_join();
  CHECK(report_of(0) == "a:1");
  self->request(link_actor, test_wait, go_down_atom::value)
    .receive([](caf::ok_atom) {},
             [](const caf::error& err) { FAIL(describe(err)); });
  CHECK(report_of(0) == "error");
  // Changed while the connection was down: the listener hears the leader
  // of now, not the one before.
  self->send(retriever, publish_atom::value, leader_info{"b:2", {}, 4});
  go_up(root);
  await_proxy_join();
  CHECK(report_of(0) == "b:2");
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->send_exit(retriever, caf::exit_reason::user_shutdown);
}
