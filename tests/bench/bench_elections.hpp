#pragma once

// The election measurements that `elections` runs in one process and
// `remote` runs against an ha-node: the same code on a local or a remote
// services root.

#include <cstdint>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "caf_ha/messages/ha_services.hpp"
#include "tests/bench/bench_support.hpp"

namespace ha::bench {

/// `jobs` job_manager elections on `root`, 64 set up at a time: get the
/// elector, join a contender (a local actor, stored in `contenders`),
/// confirm its grant. The seconds from the first request to the last
/// confirmation.
double many_elections(caf::actor_system& sys, const ha_services_actor& root,
                      size_t jobs, uint32_t run,
                      std::vector<caf::actor>& contenders);

struct fanout_figures {
  /// A resign on `rest` to the last of the listeners told the successor.
  stats value;
  /// The same leader messages sent straight to the listeners: "no leader"
  /// to each, then the successor to each.
  stats raw;
};

/// The retriever of `rest` on `root`.
retriever_actor rest_retriever(caf::actor_system& sys,
                               const ha_services_actor& root);

/// Joins `listeners` local listeners to `retriever` (of `rest`) and two
/// local contenders to the elector of `rest` on `root`; `runs` times one
/// contender resigns.
fanout_figures measure_fanout(caf::actor_system& sys,
                              const ha_services_actor& root,
                              const retriever_actor& retriever,
                              size_t listeners, int runs);

} // namespace ha::bench
