// hactl's election commands: leader get, leader watch, leader
// participants, leader transfer, contend.

#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "caf_ha/actors/client/remote_service.hpp"
#include "app/hactl_commands.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::app {

namespace {

/// Asks the root for one service handle of `component`.
template <class Handle, class Atom>
caf::expected<Handle> service(hactl_context& ctx, Atom which,
                              const std::string& component) {
  return ask<Handle>(ctx, ctx.root, caf::get_atom::value, which, component);
}

/// The elector of `component`: through the services link when hactl is
/// connected to an ha-node, so that contending survives the node's restart.
caf::expected<elector_actor> elector_for(hactl_context& ctx,
                                         const std::string& component) {
  if (ctx.link)
    return spawn_remote_elector(ctx.sys, ctx.link, component);
  return service<elector_actor>(ctx, elector_atom::value, component);
}

/// The retriever of `component`, through the services link as above.
caf::expected<retriever_actor> retriever_for(hactl_context& ctx,
                                             const std::string& component) {
  if (ctx.link)
    return spawn_remote_retriever(ctx.sys, ctx.link, component);
  return service<retriever_actor>(ctx, retriever_atom::value, component);
}

/// Sends `leave(who)` to `service` and waits for the answer, so that the
/// service forgets `who` before hactl exits.
template <class Service, class Who>
void leave(hactl_context& ctx, const Service& svc, const Who& who) {
  caf::scoped_actor self{ctx.sys};
  self->request(svc, request_timeout, leave_atom::value, who)
    .receive([](caf::ok_atom) {}, [](const caf::error&) {});
}

/// Ends the command with a failure once the retriever `svc` is gone.
template <class Self>
void fail_when_lost(Self* self, const retriever_actor& svc, printer* out,
                    completion* done) {
  self->monitor(svc);
  self->set_down_handler([=](const caf::down_msg&) {
    out->print({"error", "", {}, "lost the connection to the services"});
    done->finish(exit_failure);
  });
}

struct watch_state {
  int seen = 0;
};

listener_actor::behavior_type
watcher(listener_actor::stateful_pointer<watch_state> self, printer* out,
        completion* done, std::optional<int> count, retriever_actor svc) {
  fail_when_lost(self, svc, out, done);
  return {
    [=](leader_atom, const std::string& component, const leader_info& info) {
      if (count && self->state.seen >= *count)
        return;
      out->print({"leader", component, info, {}});
      if (count && ++self->state.seen == *count)
        done->finish(exit_ok);
    },
    [=](retrieval_error_atom, const std::string& component,
        const caf::error& err) {
      out->print({"error", component, {}, describe(err)});
    },
  };
}

/// hactl's contender also schedules its own resignations and follows the
/// services link, to report when it is back after losing ha-node.
using hactl_contender_actor = draining_contender_actor::extend<
  caf::reacts_to<resign_atom, session_id>,
  caf::reacts_to<drained_atom, session_id>>::extend_with<link_subscriber_actor>;

struct contend_state {
  leader_info granted;
  int connections = 0;
  bool joined = false;
};

struct contend_args {
  printer* out;
  completion* done;
  elector_actor elector;
  services_link_actor link;
  std::string address;
  std::optional<std::chrono::milliseconds> resign_after;
  contender_options options;
  /// How long draining takes before it says `drained`.
  std::chrono::milliseconds drain_time{0};
};

void confirm_grant(hactl_contender_actor::stateful_pointer<contend_state> self,
                   const contend_args& args, const std::string& component) {
  auto info = self->state.granted;
  self->request(args.elector, request_timeout, confirm_atom::value,
                info.session, args.address)
    .then(
      [=](bool accepted) {
        if (!accepted)
          return; // Revoked while confirming; the revoke is printed.
        args.out->print({"confirmed", component, info, {}});
        if (args.resign_after)
          self->delayed_send(self, *args.resign_after, resign_atom::value,
                             info.session);
      },
      [=](const caf::error& err) {
        args.out->print({"error", component, info, describe(err)});
      });
}

/// Prints `joined` once. A grant may overtake the answer to the join (over
/// the network a proxy relays the answer, while the elector sends the
/// grant directly): a grant implies the join, so `joined` always comes
/// first.
void print_joined(hactl_contender_actor::stateful_pointer<contend_state> self,
                  const contend_args& args, const std::string& component) {
  if (std::exchange(self->state.joined, true))
    return;
  args.out->print({"joined", component, {args.address, {}, 0}, {}});
}

/// Joins the election itself, so that its `joined` line comes before any
/// grant.
void join_election(hactl_contender_actor::stateful_pointer<contend_state> self,
                   const contend_args& args, const std::string& component) {
  self->request(args.elector, request_timeout, join_atom::value,
                caf::actor_cast<contender_actor>(self), args.options)
    .then(
      [=](caf::ok_atom) { print_joined(self, args, component); },
      [=](const caf::error& err) {
        args.out->print({"error", component, {}, describe(err)});
        args.done->finish(exit_failure);
      });
}

hactl_contender_actor::behavior_type
contender(hactl_contender_actor::stateful_pointer<contend_state> self,
          contend_args args, std::string component) {
  self->monitor(args.elector);
  self->set_down_handler([=](const caf::down_msg&) {
    args.out->print({"error", component, {},
                     "lost the connection to the election"});
    args.done->finish(exit_failure);
  });
  join_election(self, args, component);
  if (args.link)
    self->send(args.link, join_atom::value,
               caf::actor_cast<link_subscriber_actor>(self));
  return {
    [=](grant_atom, const std::string& component, const session_id& session,
        epoch_t epoch) {
      self->state.granted = leader_info{args.address, session, epoch};
      print_joined(self, args, component);
      args.out->print({"granted", component, self->state.granted, {}});
      confirm_grant(self, args, component);
    },
    [=](revoke_atom, const std::string& component, const session_id& session) {
      auto info = self->state.granted;
      info.session = session;
      args.out->print({"revoked", component, info, {}});
    },
    [=](election_error_atom, const std::string& component,
        const caf::error& err) {
      args.out->print({"error", component, {}, describe(err)});
    },
    [=](drain_atom, const std::string& component, const session_id& session) {
      auto info = self->state.granted;
      info.session = session;
      args.out->print({"draining", component, info, {}});
      self->delayed_send(self, args.drain_time, drained_atom::value, session);
    },
    [=](drained_atom, const session_id& session) {
      // Refused: the session ended meanwhile (drain timeout, lost node).
      self->request(args.elector, request_timeout, drained_atom::value,
                    session)
        .then([](bool) {}, [](const caf::error&) {});
    },
    [=](resign_atom, const session_id& session) {
      // A refused resign means the session had already ended: nothing to do.
      self->request(args.elector, request_timeout, resign_atom::value, session)
        .then([](bool) {},
              // An elector gone or unreachable: the down and disconnect
              // handlers report it; the contender must not end here.
              [](const caf::error&) {});
    },
    [=](connected_atom, const ha_services_actor&) {
      // The first connection is the one `joined` reported.
      if (self->state.connections++ > 0)
        args.out->print({"reconnected", component, {args.address, {}, 0}, {}});
    },
    [=](disconnected_atom, const caf::error&) {
      // The election_error that the elector proxy sends is printed.
    },
  };
}

int leader_get(hactl_context& ctx, const std::string& component) {
  auto svc = service<retriever_actor>(ctx, retriever_atom::value, component);
  if (!svc)
    return fail(describe(svc.error()));
  return answer(ask<leader_info>(ctx, *svc, caf::get_atom::value),
                [&](const leader_info& info) {
                  ctx.out.print({"leader", component, info, {}});
                });
}

int leader_participants(hactl_context& ctx, const std::string& component) {
  auto svc = service<elector_actor>(ctx, elector_atom::value, component);
  if (!svc)
    return fail(describe(svc.error()));
  return answer(ask<std::vector<participant>>(ctx, *svc,
                                              participants_atom::value),
                [&](const std::vector<participant>& xs) {
                  for (auto& x : xs)
                    ctx.out.print("participant",
                                  {{"component", component},
                                   {"address", x.address},
                                   {"state", x.state},
                                   {"epoch", x.epoch},
                                   {"priority", x.priority},
                                   {"last_seen_ms", x.last_seen_ms}});
                });
}

/// Prints the first leader at `to` and finishes.
listener_actor::behavior_type
transfer_waiter(listener_actor::pointer self, printer* out, completion* done,
                std::string to, retriever_actor svc) {
  fail_when_lost(self, svc, out, done);
  return {
    [=](leader_atom, const std::string& component, const leader_info& info) {
      if (info.address != to)
        return;
      out->print({"transferred", component, info, {}});
      done->finish(exit_ok);
    },
    [](retrieval_error_atom, const std::string&, const caf::error&) {
      // A new leader may still come within the timeout.
    },
  };
}

int leader_transfer(hactl_context& ctx, const std::string& component,
                    const std::string& to,
                    std::chrono::milliseconds timeout) {
  auto svc = retriever_for(ctx, component);
  if (!svc)
    return fail(describe(svc.error()));
  auto started = ask<caf::ok_atom>(ctx, ctx.root, transfer_atom::value,
                                   component, to, ctx.admin_secret);
  if (!started)
    return answer(started, [](caf::ok_atom) {});
  auto waiter = ctx.sys.spawn(transfer_waiter, &ctx.out, &ctx.done, to, *svc);
  caf::scoped_actor self{ctx.sys};
  self->send(*svc, join_atom::value, waiter);
  auto code = await_completion(ctx, timeout,
                               "a confirmed leader at " + to + " for "
                                 + component);
  leave(ctx, *svc, waiter);
  caf::anon_send_exit(waiter, caf::exit_reason::user_shutdown);
  return code;
}

int leader_watch(hactl_context& ctx, const std::string& component,
                 std::optional<int> count,
                 std::optional<std::chrono::milliseconds> timeout) {
  auto svc = retriever_for(ctx, component);
  if (!svc)
    return fail(describe(svc.error()));
  auto listener = ctx.sys.spawn(watcher, &ctx.out, &ctx.done, count, *svc);
  caf::scoped_actor self{ctx.sys};
  self->send(*svc, join_atom::value, listener);
  auto code = await_completion(
    ctx, timeout,
    count ? std::to_string(*count) + " leader events of " + component
          : "leader events of " + component);
  leave(ctx, *svc, listener);
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
  return code;
}

int contend(hactl_context& ctx, const std::string& component,
            contend_args args) {
  auto svc = elector_for(ctx, component);
  if (!svc)
    return fail(describe(svc.error()));
  args.out = &ctx.out;
  args.done = &ctx.done;
  args.elector = *svc;
  args.link = ctx.link;
  auto self_contender = ctx.sys.spawn(contender, std::move(args), component);
  auto code = await_completion(ctx, std::nullopt, "");
  if (code == exit_ok)
    leave(ctx, *svc, caf::actor_cast<contender_actor>(self_contender));
  caf::anon_send_exit(self_contender, caf::exit_reason::user_shutdown);
  return code;
}

/// `run(canonical component)`, or a one-line usage error for a name that is
/// no component: the node refuses it too, but a contender would wait for
/// ever.
template <class F>
int with_component(const std::string& name, F run) {
  auto component = component::canonical(name);
  if (!component)
    return usage(describe(component.error()));
  return run(*component);
}

/// How the commands' examples reach an ha-node.
constexpr const char* example_prefix = "hactl --connect 127.0.0.1:6123 ";

struct election_args {
  std::string component;
  std::string address;
  std::optional<int> count;
  std::optional<int> timeout_ms;
  std::optional<int> resign_after_ms;
  std::string to;
  int32_t priority = 0;
  bool drains = false;
  int drain_ms = 0;
};

std::optional<std::chrono::milliseconds> millis(std::optional<int> x) {
  if (!x)
    return std::nullopt;
  return std::chrono::milliseconds{*x};
}

/// `leader transfer COMPONENT --to ADDRESS`.
void add_transfer_command(CLI::App* leader, hactl_action& action,
                          std::shared_ptr<election_args> args) {
  const std::string hactl = example_prefix;
  auto transfer = leader->add_subcommand(
    "transfer", "hand leadership over to the contender at --to (needs "
                "ha.admin.secret-file for a remote node); wait until it "
                "leads");
  transfer->add_option("component", args->component)->required();
  example(transfer, hactl + "-D ha.admin.secret-file=/etc/caf-ha/admin.secret "
                            "leader transfer dispatcher --to 10.0.0.6:8081");
  transfer->add_option("--to", args->to,
                       "the address the new leader declared")
    ->required();
  transfer->add_option("--timeout-ms", args->timeout_ms,
                       "fail if it does not lead within T ms (default 30000)")
    ->check(positive_int_check());
  transfer->callback([&action, args] {
    action = [args](hactl_context& ctx) {
      if (auto err = check_leader_address(args->to))
        return usage("--to: " + describe(err));
      return with_component(args->component, [&](const std::string& c) {
        return leader_transfer(
          ctx, c, args->to,
          std::chrono::milliseconds{args->timeout_ms.value_or(30000)});
      });
    };
  });
}

/// `contend COMPONENT --address ADDRESS ...`.
void add_contend_command(CLI::App& app, hactl_action& action,
                         std::shared_ptr<election_args> args) {
  const std::string hactl = example_prefix;
  auto cont = app.add_subcommand(
    "contend", "join an election and confirm every grant with ADDRESS");
  cont->add_option("component", args->component)->required();
  example(cont, hactl + "contend dispatcher --address 10.0.0.5:8081");
  cont->add_option("--address", args->address,
                   "what listeners see as the leader's address (not empty)")
    ->required();
  cont->add_option("--resign-after-ms", args->resign_after_ms,
                   "resign T ms after each confirmation")
    ->check(positive_int_check());
  cont->add_option("--priority", args->priority,
                   "a free election goes to the highest (default 0)");
  cont->add_flag("--drains", args->drains,
                 "ask to drain before leadership ends; answer drained after "
                 "--drain-ms");
  cont->add_option("--drain-ms", args->drain_ms,
                   "how long draining takes (default 0)")
    ->check(CLI::NonNegativeNumber);
  cont->callback([&action, args] {
    action = [args](hactl_context& ctx) {
      if (auto err = check_leader_address(args->address))
        return usage("--address: " + describe(err));
      if (args->drain_ms > 0 && !args->drains)
        return usage("--drain-ms: only with --drains");
      return with_component(args->component, [&](const std::string& c) {
        contend_args run;
        run.address = args->address;
        run.resign_after = millis(args->resign_after_ms);
        run.options = {args->address, args->priority, args->drains};
        run.drain_time = std::chrono::milliseconds{args->drain_ms};
        return contend(ctx, c, std::move(run));
      });
    };
  });
}

} // namespace

void add_election_commands(CLI::App& app, hactl_action& action) {
  const std::string hactl = example_prefix;
  auto args = std::make_shared<election_args>();
  auto leader = app.add_subcommand("leader", "who leads a component");
  leader->require_subcommand(1);
  example(leader, hactl + "leader get dispatcher");
  auto get = leader->add_subcommand("get", "print the current leader");
  example(get, hactl + "leader get job_manager/"
                 "0123456789abcdef0123456789abcdef");
  get->add_option("component", args->component)->required();
  get->callback([&action, args] {
    action = [args](hactl_context& ctx) {
      return with_component(args->component, [&](const std::string& c) {
        return leader_get(ctx, c);
      });
    };
  });
  auto watch = leader->add_subcommand(
    "watch", "print the current leader, then every change");
  watch->add_option("component", args->component)->required();
  example(watch, hactl + "leader watch dispatcher --count 2 --timeout-ms "
                         "60000");
  watch->add_option("--count", args->count, "stop after N lines")
    ->check(positive_int_check());
  watch->add_option("--timeout-ms", args->timeout_ms,
                    "fail if --count lines did not come within T ms")
    ->check(positive_int_check());
  watch->callback([&action, args] {
    action = [args](hactl_context& ctx) {
      return with_component(args->component, [&](const std::string& c) {
        return leader_watch(ctx, c, args->count, millis(args->timeout_ms));
      });
    };
  });
  auto parts = leader->add_subcommand(
    "participants",
    "print every contender: address, priority, state, epoch, last seen");
  parts->add_option("component", args->component)->required();
  example(parts, hactl + "--json leader participants dispatcher");
  parts->callback([&action, args] {
    action = [args](hactl_context& ctx) {
      return with_component(args->component, [&](const std::string& c) {
        return leader_participants(ctx, c);
      });
    };
  });
  add_transfer_command(leader, action, args);
  add_contend_command(app, action, args);
}

} // namespace ha::app
