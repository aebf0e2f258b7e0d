#include "caf_ha/actors/ops/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <stdexcept>
#include <variant>

namespace ha::ops {

namespace {

/// C++17 has no fetch_add for atomic<double>.
void atomic_add(std::atomic<double>& x, double n) {
  auto old = x.load(std::memory_order_relaxed);
  while (!x.compare_exchange_weak(old, old + n, std::memory_order_relaxed))
    ; // `old` now holds the current value: try again with it
}

std::string format_value(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  if (x == std::floor(x) && std::fabs(x) < 1e15)
    return std::to_string(static_cast<int64_t>(x));
  // The shortest text that reads back as the same double.
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof(buf), x).ptr;
  return std::string(buf, end);
}

/// Escapes backslash and line feed, and the double quote if `quote` (a
/// label value; a help text keeps its quotes).
std::string escape(const std::string& x, bool quote) {
  std::string out;
  for (char c : x) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

/// `{a="x",b="y"}` plus an extra label (le), or empty without labels.
std::string label_set(const std::vector<std::string>& names,
                      const std::vector<std::string>& values,
                      const std::string& extra = {}) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape(values[i], true) + "\"";
  }
  if (!extra.empty())
    out += (out.empty() ? "{" : ",") + extra;
  return out.empty() ? out : out + "}";
}

} // namespace

const char* to_string(metric_type x) {
  switch (x) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    default:
      return "histogram";
  }
}

void counter::inc(double n) {
  if (n > 0)
    atomic_add(value_, n);
}

void counter::raise_to(double total) {
  auto old = value_.load(std::memory_order_relaxed);
  while (old < total
         && !value_.compare_exchange_weak(old, total,
                                          std::memory_order_relaxed))
    ; // `old` now holds the current value: compare again
}

double counter::value() const {
  return value_.load(std::memory_order_relaxed);
}

void gauge::set(double x) {
  value_.store(x, std::memory_order_relaxed);
}

void gauge::add(double x) {
  atomic_add(value_, x);
}

double gauge::value() const {
  return value_.load(std::memory_order_relaxed);
}

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)),
    buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i] = 0;
}

void histogram::observe(double x) {
  auto i = std::lower_bound(bounds_.begin(), bounds_.end(), x)
           - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, x);
  count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot result;
  result.bounds = bounds_;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    result.cumulative.push_back(total);
  }
  // The buckets are the truth: the count read apart could be off by the
  // observations under way, and the +Inf bucket must equal the count.
  result.count = total;
  result.sum = sum_.load(std::memory_order_relaxed);
  return result;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001,
                                          0.0025, 0.005,   0.01,   0.025,
                                          0.05,   0.1,     0.25,   0.5,
                                          1,      2.5,     5,      10};
  return bounds;
}

struct registry::family {
  family_info info;
  std::vector<double> buckets;
  using series = std::variant<std::unique_ptr<counter>, std::unique_ptr<gauge>,
                              std::unique_ptr<histogram>>;
  std::map<std::vector<std::string>, series> children;

  series make() const {
    switch (info.type) {
      case metric_type::counter:
        return std::make_unique<counter>();
      case metric_type::gauge:
        return std::make_unique<gauge>();
      default:
        return std::make_unique<histogram>(buckets);
    }
  }
};

registry::registry() = default;

registry::~registry() = default;

void registry::declare(family_info info, std::vector<double> buckets) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& fam : families_)
    if (fam->info.name == info.name) {
      if (fam->info.type != info.type || fam->info.labels != info.labels)
        throw std::logic_error("metric " + info.name
                               + " declared twice differently");
      return;
    }
  auto fam = std::make_unique<family>();
  fam->info = std::move(info);
  fam->buckets = std::move(buckets);
  if (fam->info.labels.empty())
    fam->children.emplace(std::vector<std::string>{}, fam->make());
  families_.push_back(std::move(fam));
}

registry::family& registry::find(const std::string& name, metric_type type,
                                 size_t label_count) {
  for (auto& fam : families_)
    if (fam->info.name == name) {
      if (fam->info.type != type || fam->info.labels.size() != label_count)
        throw std::logic_error("metric " + name + " used as another kind");
      return *fam;
    }
  throw std::logic_error("metric " + name + " is not declared");
}

template <class T>
T& registry::series(const std::string& name, metric_type type,
                    const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& fam = find(name, type, values.size());
  auto i = fam.children.try_emplace(values, fam.make()).first;
  return *std::get<std::unique_ptr<T>>(i->second);
}

counter& registry::get_counter(const std::string& name,
                               const std::vector<std::string>& values) {
  return series<counter>(name, metric_type::counter, values);
}

gauge& registry::get_gauge(const std::string& name,
                           const std::vector<std::string>& values) {
  return series<gauge>(name, metric_type::gauge, values);
}

histogram& registry::get_histogram(const std::string& name,
                                   const std::vector<std::string>& values) {
  return series<histogram>(name, metric_type::histogram, values);
}

void registry::forget(const std::string& label, const std::string& value) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& fam : families_) {
    auto& labels = fam->info.labels;
    auto pos = std::find(labels.begin(), labels.end(), label);
    if (pos == labels.end())
      continue;
    auto index = static_cast<size_t>(pos - labels.begin());
    auto& children = fam->children;
    if (index == 0) {
      // Series are ordered by their values: those of `value` are adjacent,
      // so forgetting one component of 10,000 does not visit the others.
      auto i = children.lower_bound(std::vector<std::string>{value});
      while (i != children.end() && i->first[0] == value)
        i = children.erase(i);
      continue;
    }
    for (auto i = children.begin(); i != children.end();)
      i = i->first[index] == value ? children.erase(i) : std::next(i);
  }
}

void registry::on_collect(std::function<void()> f) {
  std::lock_guard<std::mutex> guard{mtx_};
  collectors_.push_back(std::move(f));
}

namespace {

void render_histogram(std::string& out, const std::string& name,
                      const std::vector<std::string>& labels,
                      const std::vector<std::string>& values,
                      const histogram& h) {
  auto snap = h.read();
  for (size_t i = 0; i <= snap.bounds.size(); ++i) {
    auto le = i < snap.bounds.size() ? format_value(snap.bounds[i])
                                     : std::string{"+Inf"};
    out += name + "_bucket" + label_set(labels, values, "le=\"" + le + "\"")
           + " " + std::to_string(snap.cumulative[i]) + "\n";
  }
  auto set = label_set(labels, values);
  out += name + "_sum" + set + " " + format_value(snap.sum) + "\n";
  out += name + "_count" + set + " " + std::to_string(snap.count) + "\n";
}

} // namespace

std::string registry::expose() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    collectors = collectors_;
  }
  // Outside the lock: a collector updates series through this registry.
  for (auto& f : collectors)
    f();
  std::lock_guard<std::mutex> guard{mtx_};
  std::string out;
  for (auto& fam : families_) {
    auto& info = fam->info;
    out += "# HELP " + info.name + " " + escape(info.help, false) + "\n";
    out += "# TYPE " + info.name + " " + to_string(info.type) + "\n";
    for (auto& [values, child] : fam->children) {
      if (auto c = std::get_if<std::unique_ptr<counter>>(&child))
        out += info.name + label_set(info.labels, values) + " "
               + format_value((*c)->value()) + "\n";
      else if (auto g = std::get_if<std::unique_ptr<gauge>>(&child))
        out += info.name + label_set(info.labels, values) + " "
               + format_value((*g)->value()) + "\n";
      else
        render_histogram(out, info.name, info.labels, values,
                         *std::get<std::unique_ptr<histogram>>(child));
    }
  }
  return out;
}

std::vector<family_info> registry::families() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<family_info> result;
  for (auto& fam : families_)
    result.push_back(fam->info);
  return result;
}

std::string metrics_table_markdown(const registry& reg) {
  std::string out = "| metric | type | labels | description |\n"
                    "|---|---|---|---|\n";
  for (auto& info : reg.families()) {
    std::string labels;
    for (auto& label : info.labels)
      labels += (labels.empty() ? "`" : ", `") + label + "`";
    out += "| `" + info.name + "` | " + to_string(info.type) + " | "
           + labels + " | " + info.help + " |\n";
  }
  return out;
}

} // namespace ha::ops
