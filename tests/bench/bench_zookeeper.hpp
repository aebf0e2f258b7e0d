#pragma once

// The `zookeeper` sub-command of ha_bench and the raw contender process it
// starts; they bring their own options, so main.cpp only registers them.

#include <functional>

#include "tests/bench/bench_support.hpp"

namespace CLI {
class App;
} // namespace CLI

namespace ha::bench {

/// Adds `zookeeper` and the hidden `zk-raw-contender` to `app`; the chosen
/// one is stored in `run`.
void add_zookeeper_commands(CLI::App& app,
                            std::function<int(const bench_options&)>& run);

} // namespace ha::bench
