#pragma once

#include <string>

#include <caf/fwd.hpp>

#include "caf_ha/messages/services_link.hpp"

namespace ha {

/// An elector for `component` on the ha-node behind `link` that outlives
/// the connection, so the same contender works against a local or a
/// remote service. It remembers the contenders that joined through it:
/// when the connection is lost each gets `election_error` at once (it can
/// no longer prove that it leads); when the link is back it joins them
/// again to the node's elector, where they queue as followers (a lookup or
/// rejoin that fails while connected is tried again every second).
/// confirm and resign go to the node's elector: while disconnected they
/// fail at once with backend_unavailable, and so does one still waiting
/// for its answer when the connection is lost; one made while the service
/// is being looked up (or before the link first reported) waits for it.
/// `leadership` is delegated, so its answer comes from the node's elector
/// itself. Quits when the link quits (telling its contenders) or on an
/// exit message; requests it still holds then fail at once with `closed`.
elector_actor spawn_remote_elector(caf::actor_system& sys,
                                   services_link_actor link,
                                   std::string component);

/// The same for retrieval, with one difference: the proxy joins the
/// node's retriever once, itself, while it has listeners, and relays each
/// report to all of them, so a leader change crosses the network once per
/// process however many listeners it has (share one proxy per component).
/// A listener that joins gets the current leader at once if the proxy
/// knows it, then every change in order, never the same (address, session)
/// twice in a row; joining twice fails with already_exists. Listeners get
/// `retrieval_error` when the connection is lost and the current leader
/// again once the link is back (after each join on the node the proxy reads
/// the current leader, so a join that timed out or changes made while it
/// looked the service up again end in the current leader, not in silence);
/// `get` fails or waits as confirm does above. Reports count only from the
/// node's retriever the proxy joined.
retriever_actor spawn_remote_retriever(caf::actor_system& sys,
                                       services_link_actor link,
                                       std::string component);

} // namespace ha
