#include "tests/bench/bench_support.hpp"

#include "tests/support/child_process.hpp"
#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <caf/io/middleman.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "caf_ha/messages/blob_store.hpp"
#include "caf_ha/messages/type_registry.hpp"

namespace ha::bench {

double ms_since(bench_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(bench_clock::now() - start)
    .count();
}

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

stats summarize(std::vector<double> xs) {
  stats s;
  if (xs.empty())
    return s;
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  s.runs = n;
  s.min = xs.front();
  s.max = xs.back();
  s.median = n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
  // Nearest rank: the smallest sample with at least 99 % at or below it.
  auto rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n)));
  s.p99 = xs[std::max<size_t>(rank, 1) - 1];
  return s;
}

std::optional<double> ratio_of(const stats& x, const stats& y) {
  if (y.median == 0)
    return std::nullopt;
  return x.median / y.median;
}

std::optional<bool> at_least(std::optional<double> ratio, double target) {
  if (!ratio)
    return std::nullopt;
  return *ratio >= target;
}

std::optional<bool> at_most(std::optional<double> ratio, double target) {
  if (!ratio)
    return std::nullopt;
  return *ratio <= target;
}

std::string load_average() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3)
    return "unknown";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2f %.2f %.2f", load[0], load[1],
                load[2]);
  return buf;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // ru_maxrss: KiB
}

bench_config::bench_config(bool network) {
  if (network)
    load<caf::io::middleman>();
  register_types(*this);
  register_blob_types(*this);
}

std::string directory_of(const std::string& argv0) {
  std::error_code ec;
  auto self = std::filesystem::canonical("/proc/self/exe", ec);
  if (ec)
    self = std::filesystem::absolute(argv0, ec);
  return self.parent_path().string();
}

scratch_dir::scratch_dir(const std::string& parent) {
  auto base = parent.empty() ? std::string{"/tmp"} : parent;
  std::filesystem::create_directories(base);
  std::string tmpl = base + "/ha-bench-XXXXXX";
  if (!mkdtemp(tmpl.data()))
    throw std::runtime_error("cannot create a directory under " + base);
  path_ = tmpl;
}

scratch_dir::~scratch_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

job_id bench_job(uint32_t run, uint64_t n) {
  job_id id;
  id.bytes[0] = 0xbe;
  for (int i = 0; i < 4; ++i)
    id.bytes[4 + i] = static_cast<uint8_t>(run >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i)
    id.bytes[8 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  return id;
}

// -- report -------------------------------------------------------------------

namespace {

std::string fmt(double x) {
  char buf[64];
  if (x != 0 && std::fabs(x) < 0.01)
    std::snprintf(buf, sizeof(buf), "%.4f", x);
  else if (std::fabs(x) < 100)
    std::snprintf(buf, sizeof(buf), "%.3g", x);
  else
    std::snprintf(buf, sizeof(buf), "%.0f", x);
  return buf;
}

std::string fmt_ratio(std::optional<double> r) {
  if (!r)
    return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2fx", *r);
  return buf;
}

std::string met_text(std::optional<bool> met) {
  if (!met)
    return "-";
  return *met ? "met" : "MISSED";
}

nlohmann::json stats_json(const stats& s) {
  return {{"runs", s.runs}, {"median", s.median}, {"p99", s.p99},
          {"min", s.min},   {"max", s.max}};
}

std::string machine() {
  utsname u{};
  uname(&u);
  return std::string{u.sysname} + " " + u.release + " " + u.machine + ", "
         + std::to_string(std::thread::hardware_concurrency()) + " cpus";
}

} // namespace

report::report(std::string benchmark, const bench_options& opts)
  : benchmark_(std::move(benchmark)), opts_(opts),
    load_before_(load_average()) {
}

void report::add(figure f) {
  figures_.push_back(std::move(f));
}

void report::note(std::string text) {
  notes_.push_back(std::move(text));
}

int report::finish() {
  using row = std::vector<std::string>;
  std::vector<row> rows{{"figure", "runs", "median", "p99", "unit",
                         "baseline", "base median", "ratio", "target",
                         "status"}};
  for (auto& f : figures_)
    rows.push_back({f.name, std::to_string(f.value.runs), fmt(f.value.median),
                    fmt(f.value.p99), f.unit,
                    f.baseline_name.empty() ? "-" : f.baseline_name,
                    f.baseline ? fmt(f.baseline->median) : "-",
                    fmt_ratio(f.ratio), f.target.empty() ? "-" : f.target,
                    met_text(f.met)});
  std::vector<size_t> width(rows[0].size(), 0);
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::cout << "\n== " << benchmark_ << (opts_.quick ? " (quick)" : "")
            << " ==  load before: " << load_before_
            << ", after: " << load_average() << "\n";
  for (size_t j = 0; j < rows.size(); ++j) {
    for (size_t i = 0; i < rows[j].size(); ++i) {
      auto& cell = rows[j][i];
      std::cout << (i == 0 ? "" : " | ") << cell
                << std::string(width[i] - cell.size(), ' ');
    }
    std::cout << "\n";
    if (j == 0) {
      for (size_t i = 0; i < width.size(); ++i)
        std::cout << (i == 0 ? "" : "-|-") << std::string(width[i], '-');
      std::cout << "\n";
    }
  }
  for (auto& f : figures_)
    if (!f.note.empty())
      std::cout << "  " << f.name << ": " << f.note << "\n";
  for (auto& n : notes_)
    std::cout << "  note: " << n << "\n";
  std::cout.flush();
  if (opts_.out.empty())
    return 0;
  nlohmann::json figs = nlohmann::json::array();
  for (auto& f : figures_) {
    nlohmann::json j{{"name", f.name}, {"unit", f.unit},
                     {"value", stats_json(f.value)}};
    if (!f.baseline_name.empty())
      j["baseline_name"] = f.baseline_name;
    if (f.baseline)
      j["baseline"] = stats_json(*f.baseline);
    if (f.ratio)
      j["ratio"] = *f.ratio;
    if (!f.target.empty())
      j["target"] = f.target;
    if (f.met)
      j["met"] = *f.met;
    if (!f.note.empty())
      j["note"] = f.note;
    figs.push_back(std::move(j));
  }
  nlohmann::json doc{{"benchmark", benchmark_},
                     {"quick", opts_.quick},
                     {"machine", machine()},
                     {"load_before", load_before_},
                     {"load_after", load_average()},
                     {"unix_time", static_cast<int64_t>(std::time(nullptr))},
                     {"figures", figs},
                     {"notes", notes_}};
  std::ofstream out{opts_.out, std::ios::trunc};
  out << doc.dump(2) << "\n";
  if (!out) {
    std::cerr << "ha_bench: cannot write " << opts_.out << "\n";
    return 1;
  }
  return 0;
}

uint16_t listening_port(test::child_process& proc, const char* what) {
  auto line = proc.read_line(std::chrono::seconds(10));
  auto at = line ? line->find("127.0.0.1:") : std::string::npos;
  if (at == std::string::npos)
    throw std::runtime_error(std::string{what}
                             + " did not start: " + proc.error_output());
  return static_cast<uint16_t>(std::stoi(line->substr(at + 10)));
}

ha_services_actor services_in_process(caf::actor_system& sys,
                                      const std::string& file,
                                      std::vector<std::string> overrides) {
  auto cfg = config::load(file, std::move(overrides));
  if (!cfg)
    throw std::runtime_error("config: " + sys.render(cfg.error()));
  auto root = make_services(sys, *cfg);
  if (!root)
    throw std::runtime_error("make_services: " + sys.render(root.error()));
  return *root;
}

ha_services_actor connect_node(caf::actor_system& sys, uint16_t port) {
  auto root = connect(sys, "127.0.0.1", port);
  if (!root)
    throw std::runtime_error("connect: " + sys.render(root.error()));
  return *root;
}

} // namespace ha::bench
