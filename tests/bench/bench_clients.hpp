#pragma once

// Concurrent clients of a service: `clients` event-based actors, each
// issuing its share of `items` requests one after another (client c takes
// items c, c + clients, ...). With one client that is a sequential caller;
// with 64 the service sees 64 requests in flight.

#include <atomic>
#include <functional>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace ha::bench {

/// Issues the request for item `i` from `self`; calls `next()` once it is
/// answered, whatever the answer (count errors yourself).
using issue_fn = std::function<void(caf::event_based_actor* self, size_t i,
                                    std::function<void()> next)>;

/// Runs the clients to the end; the wall time in seconds. Throws if they do
/// not finish within `timeout`.
double run_clients(caf::actor_system& sys, size_t clients, size_t items,
                   issue_fn issue,
                   std::chrono::seconds timeout = std::chrono::seconds(300));

} // namespace ha::bench
