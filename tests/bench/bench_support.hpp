#pragma once

// What every sub-command of ha_bench shares: timing, statistics over runs,
// the printed table, the JSON file of figures, and a few process helpers.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "caf_ha/messages/ha_services.hpp"
#include "caf_ha/messages/ids.hpp"

namespace ha::test {
class child_process;
} // namespace ha::test

namespace ha::bench {

using bench_clock = std::chrono::steady_clock;

/// Milliseconds from `start` to now.
double ms_since(bench_clock::time_point start);

/// Seconds from `start` to now.
double seconds_since(bench_clock::time_point start);

/// The distribution of one figure over its runs.
struct stats {
  size_t runs = 0;
  double median = 0;
  double p99 = 0;
  double min = 0;
  double max = 0;
};

/// Median and p99 (nearest rank) of `samples`; all zero when empty.
stats summarize(std::vector<double> samples);

/// What every sub-command is given on the command line.
struct bench_options {
  bool quick = false;
  std::string out;      // JSON file; none if empty
  std::string bin_dir;  // where ha-node and hactl are
  std::string work_dir; // where data goes; a fresh /tmp dir if empty
  int runs = 0;         // 0: the benchmark's own default
};

/// One row of the table: a figure, its baseline measured in the same run,
/// the ratio between them, and the target.
struct figure {
  std::string name;
  std::string unit;
  stats value;
  std::string baseline_name;
  std::optional<stats> baseline;
  /// value.median / baseline.median, or whatever the benchmark defines.
  std::optional<double> ratio;
  std::string target;
  /// Unset when the figure has no target.
  std::optional<bool> met;
  std::string note;
};

/// Collects figures, prints them as a table and writes them as JSON.
class report {
public:
  report(std::string benchmark, const bench_options& opts);

  void add(figure f);

  /// A line printed under the table and stored in the JSON "notes".
  void note(std::string text);

  /// Prints the table; writes the JSON file if --out was given. The exit
  /// code: 0, or 1 if the file could not be written.
  int finish();

private:
  std::string benchmark_;
  bench_options opts_;
  std::string load_before_;
  std::vector<figure> figures_;
  std::vector<std::string> notes_;
};

/// "x ≥ target" style checks that tolerate an absent baseline.
std::optional<bool> at_least(std::optional<double> ratio, double target);
std::optional<bool> at_most(std::optional<double> ratio, double target);

/// Ratio of two medians; nullopt when the denominator is zero.
std::optional<double> ratio_of(const stats& x, const stats& y);

/// The 1, 5 and 15 minute load averages, as `uptime` prints them.
std::string load_average();

/// Peak resident set size of this process in MiB (getrusage ru_maxrss).
double peak_rss_mib();

/// An actor system config with the protocol's types and, if `network`, the
/// middleman.
struct bench_config : caf::actor_system_config {
  explicit bench_config(bool network = false);
};

/// The directory `argv0` lives in, made absolute.
std::string directory_of(const std::string& argv0);

/// A fresh directory under `parent` (or /tmp), removed by the destructor.
class scratch_dir {
public:
  explicit scratch_dir(const std::string& parent = "");
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::string& str() const {
    return path_;
  }

private:
  std::string path_;
};

/// Sends a request and waits for its single answer.
template <class R, class Handle, class... Ts>
caf::expected<R> ask(caf::actor_system& sys, const Handle& dest, Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<R> result = caf::sec::request_timeout;
  self->request(dest, std::chrono::seconds(60), std::forward<Ts>(xs)...)
    .receive([&](R& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

/// `ask`, throwing std::runtime_error with `what` and the error on failure.
template <class R, class Handle, class... Ts>
R must(caf::actor_system& sys, const char* what, const Handle& dest,
       Ts&&... xs) {
  auto x = ask<R>(sys, dest, std::forward<Ts>(xs)...);
  if (!x)
    throw std::runtime_error(std::string{what} + ": " + sys.render(x.error()));
  return std::move(*x);
}

/// The port of the first stdout line of `proc` that names 127.0.0.1:PORT
/// (ha-node's and echo-server's start line); throws naming `what` and
/// `proc`'s stderr if none comes within ten seconds.
uint16_t listening_port(test::child_process& proc, const char* what);

/// Services in this process from the YAML `file` (none if empty) and
/// `overrides`; throws std::runtime_error on a bad config or backend.
ha_services_actor services_in_process(caf::actor_system& sys,
                                      const std::string& file,
                                      std::vector<std::string> overrides);

/// The root of the ha-node on 127.0.0.1:`port`; throws if unreachable.
ha_services_actor connect_node(caf::actor_system& sys, uint16_t port);

/// A distinct job id per (run, n).
job_id bench_job(uint32_t run, uint64_t n);

// The sub-commands, in main.cpp's order.
int run_stores(const bench_options& opts);
int run_blobs(const bench_options& opts);
int run_elections(const bench_options& opts);
int run_failover(const bench_options& opts);
int run_requests(const bench_options& opts);
int run_echo_server(const bench_options& opts);
int run_remote(const bench_options& opts);

} // namespace ha::bench
