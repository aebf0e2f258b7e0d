// ha_bench: the benchmarks of tests/bench/README.md, one sub-command each.

#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include "tests/bench/bench_support.hpp"
#include "tests/bench/bench_zookeeper.hpp"

int main(int argc, char** argv) {
  using namespace ha::bench;
  CLI::App app{"caf-ha benchmarks: each prints a table and writes --out FILE"};
  app.require_subcommand(1);
  app.fallthrough(); // global options may follow the sub-command
  bench_options opts;
  opts.bin_dir = directory_of(argv[0]);
  app.add_flag("--quick", opts.quick, "tiny sizes: check that it works");
  app.add_option("--out", opts.out, "write the figures as JSON to FILE");
  app.add_option("--bin-dir", opts.bin_dir,
                 "where ha-node and hactl are (default: ha_bench's dir)");
  app.add_option("--work-dir", opts.work_dir,
                 "where data goes (default: a fresh dir under /tmp)");
  app.add_option("--runs", opts.runs, "runs per figure (default: per bench)")
    ->check(CLI::PositiveNumber);
  std::function<int(const bench_options&)> run;
  auto sub = [&](const char* name, const char* help,
                 int (*f)(const bench_options&)) {
    app.add_subcommand(name, help)->callback([&run, f] { run = f; });
  };
  sub("stores", "job results, job graphs, checkpoint counter, recovery",
      run_stores);
  sub("blobs", "blob put/get in chunks vs raw I/O and SHA-256",
      run_blobs);
  sub("elections", "10,000 job elections, handover, local fan-out",
      run_elections);
  sub("failover", "kill -9 of a leader's process over loopback",
      run_failover);
  sub("requests", "remote store read vs raw CAF round trip", run_requests);
  sub("remote", "1,000 remote contenders and remote fan-out via ha-node",
      run_remote);
  add_zookeeper_commands(app, run);
  // The raw peer of `requests`, started by it; not for users.
  app.add_subcommand("echo-server", "")->group("")->callback([&run] {
    run = run_echo_server;
  });
  CLI11_PARSE(app, argc, argv);
  // The services' info lines would interleave with the tables.
  spdlog::set_level(spdlog::level::warn);
  spdlog::cfg::load_env_levels();
  try {
    return run(opts);
  } catch (const std::exception& x) {
    std::cerr << "ha_bench: " << x.what() << "\n";
    return 1;
  }
}
