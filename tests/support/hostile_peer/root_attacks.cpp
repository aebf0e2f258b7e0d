// Attacks on the root and on the wire: admin operations without the
// secret, messages outside every protocol, CAF's actors by name, a message
// over the size limit, one with a forwarding stack, and the messages CAF
// acts on by itself (exit, error, down, link, a response).

#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/mailbox_element.hpp>

#include "tests/support/hostile_peer/hostile_peer.hpp"

namespace ha::hostile {

namespace {

using foo_atom = caf::atom_constant<caf::atom("foo")>;

/// `(atom)` alone without `--secret`, `(atom, secret)` with it.
template <class Atom>
nlohmann::json admin_operation(attack_context& ctx) {
  auto secret = ctx.options.find("secret");
  auto done = secret == ctx.options.end()
                ? ask<caf::ok_atom>(ctx, ctx.any_root(), Atom::value)
                : ask<caf::ok_atom>(ctx, ctx.any_root(), Atom::value,
                                    secret->second);
  return verdict(done ? caf::none : done.error());
}

/// The service named by `--target`.
caf::actor target(attack_context& ctx) {
  auto name = ctx.option("target", "root");
  auto component = ctx.option("component", "dispatcher");
  if (name == "root")
    return ctx.any_root();
  if (name == "elector")
    return obtain<elector_actor>(ctx, elector_atom::value, component);
  if (name == "retriever")
    return obtain<retriever_actor>(ctx, retriever_atom::value, component);
  if (name == "job_graphs")
    return obtain<job_graph_store_actor>(ctx, job_graphs_atom::value);
  if (name == "blobs")
    return obtain<blob_store_actor>(ctx, blobs_atom::value);
  throw std::runtime_error("unknown --target '" + name + "'");
}

/// `--count` requests `(foo, i)`, outside every protocol.
nlohmann::json unexpected(attack_context& ctx) {
  auto dest = target(ctx);
  auto count = std::stoi(ctx.option("count", "100"));
  int refused = 0;
  std::string last_code;
  for (int i = 0; i < count; ++i) {
    auto answer = ask<caf::ok_atom>(ctx, dest, foo_atom::value, int32_t{i});
    if (!answer) {
      ++refused;
      last_code = code_name(answer.error());
    }
  }
  return {{"outcome", refused == count ? "refused" : "accepted"},
          {"sent", count},
          {"refused", refused},
          {"code", last_code}};
}

/// Sends a message to one of CAF's actors by name (`--name`, ConfigServ by
/// default, as `middleman::remote_lookup` does), padded with `--size`
/// bytes, and waits for the node to drop the connection.
nlohmann::json named_actor(attack_context& ctx) {
  auto name = ctx.option("name", "ConfigServ");
  auto padding = std::string(std::stoul(ctx.option("size", "0")), 'x');
  auto basp = ctx.sys.middleman().named_broker<caf::io::basp_broker>(
    caf::atom("BASP"));
  auto request = padding.empty()
                   ? caf::make_message(caf::get_atom::value,
                                       caf::atom("SpawnServ"))
                   : caf::make_message(caf::get_atom::value,
                                       caf::atom("SpawnServ"), padding);
  ctx.self->send(basp, caf::forward_atom::value, ctx.root.node(),
                 caf::atom_from_string(name), std::move(request));
  auto wait = ctx.wait("5000");
  auto dropped = connection_dropped(ctx, wait);
  return {{"outcome", dropped ? "dropped" : "accepted"}, {"name", name}};
}

/// A request to the root carrying a `--size` byte string (10 MiB by
/// default), then waits for the node to drop the connection.
nlohmann::json oversized(attack_context& ctx) {
  auto size = std::stoul(ctx.option("size", std::to_string(10 << 20)));
  ctx.self->send(ctx.any_root(), caf::get_atom::value, elector_atom::value,
                 std::string(size, 'a'));
  auto wait = ctx.wait("5000");
  auto dropped = connection_dropped(ctx, wait);
  return {{"outcome", dropped ? "dropped" : "accepted"}, {"bytes", size}};
}

/// A request to the root whose forwarding stack names the elector of
/// dispatcher: CAF would deliver the root's answer there, in the node's
/// name. Waits for the node to drop the connection.
nlohmann::json forwarding_stack(attack_context& ctx) {
  auto elector = obtain<elector_actor>(ctx, elector_atom::value,
                                       std::string{"dispatcher"});
  auto dest = caf::actor_cast<caf::abstract_actor*>(ctx.any_root());
  dest->enqueue(caf::make_mailbox_element(
                  ctx.self->ctrl(), caf::make_message_id(),
                  {caf::actor_cast<caf::strong_actor_ptr>(elector)},
                  caf::make_message(caf::get_atom::value, mode_atom::value)),
                nullptr);
  auto wait = ctx.wait("5000");
  auto dropped = connection_dropped(ctx, wait);
  return {{"outcome", dropped ? "dropped" : "accepted"}};
}

/// Puts `msg` with message id `mid` into the connection to the node, as if
/// sent to `dest` by this peer.
void enqueue_raw(attack_context& ctx, const caf::actor& dest,
                 caf::message_id mid, caf::message msg) {
  auto ptr = caf::actor_cast<caf::abstract_actor*>(dest);
  ptr->enqueue(caf::make_mailbox_element(ctx.self->ctrl(), mid, {},
                                         std::move(msg)),
               nullptr);
}

/// One of the messages CAF acts on before any behaviour sees it
/// (`--kind exit|error|down|link|response`), sent to the elector of
/// dispatcher (exit, error, down, link) or to the root (response); then
/// waits for the node to drop the connection. An exit with `kill` would end
/// the elector, an error its default error handler, a down for the
/// contender's address would revoke it, a link would end it when this peer
/// goes, and a response could answer a request the node made elsewhere.
nlohmann::json system_message(attack_context& ctx) {
  auto kind = ctx.option("kind", "exit");
  auto elector = obtain<elector_actor>(ctx, elector_atom::value,
                                       std::string{"dispatcher"});
  auto async = caf::make_message_id();
  if (kind == "exit")
    enqueue_raw(ctx, elector, async,
                caf::make_message(caf::exit_msg{elector.address(),
                                                caf::exit_reason::kill}));
  else if (kind == "error")
    enqueue_raw(ctx, elector, async,
                caf::make_message(caf::make_error(caf::sec::runtime_error)));
  else if (kind == "down")
    enqueue_raw(ctx, elector, async,
                caf::make_message(caf::down_msg{elector.address(),
                                                caf::exit_reason::kill}));
  else if (kind == "link")
    ctx.self->link_to(elector);
  else if (kind == "response")
    enqueue_raw(ctx, ctx.any_root(), caf::make_message_id(1).response_id(),
                caf::make_message(caf::ok_atom::value));
  else
    throw std::runtime_error("unknown --kind " + kind);
  auto wait = ctx.wait("5000");
  auto dropped = connection_dropped(ctx, wait);
  if (kind == "link")
    ctx.self->unlink_from(elector);
  return {{"outcome", dropped ? "dropped" : "accepted"}, {"kind", kind}};
}

/// The stores' own timer and batch messages, `--count` times each: a
/// forged poll or tick used to start one more timer that repeats for ever.
/// A request to each store afterwards makes sure the node has handled them
/// (CAF keeps the order of one sender's messages to one receiver).
nlohmann::json store_internals(attack_context& ctx) {
  auto count = std::stoi(ctx.option("count", "50"));
  auto graphs = obtain<job_graph_store_actor>(ctx, job_graphs_atom::value);
  auto results = obtain<job_result_store_actor>(ctx, job_results_atom::value);
  auto blobs = obtain<blob_store_actor>(ctx, blobs_atom::value);
  for (int i = 0; i < count; ++i) {
    ctx.self->send(graphs, caf::atom("poll"));
    ctx.self->send(results, caf::flush_atom::value);
    ctx.self->send(blobs, caf::tick_atom::value);
  }
  auto ids = ask<std::vector<job_id>>(ctx, graphs, caf::get_atom::value,
                                      job_ids_atom::value);
  auto dirty = ask<std::vector<job_result_entry>>(
    ctx, results, caf::get_atom::value, dirty_atom::value);
  auto aborted = ask<caf::ok_atom>(ctx, blobs, upload_abort_atom::value,
                                   uint64_t{1});
  auto served = ids && dirty && aborted;
  return {{"outcome", served ? "served" : "failed"}, {"sent", 3 * count}};
}

} // namespace

void add_root_attacks(std::map<std::string, attack_fn>& attacks) {
  attacks["cleanup"] = admin_operation<cleanup_atom>;
  attacks["close"] = admin_operation<caf::close_atom>;
  attacks["unexpected"] = unexpected;
  attacks["named-actor"] = named_actor;
  attacks["oversized"] = oversized;
  attacks["forwarding-stack"] = forwarding_stack;
  attacks["system-message"] = system_message;
  attacks["store-internals"] = store_internals;
}

} // namespace ha::hostile
