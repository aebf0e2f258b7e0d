#pragma once
// A Prometheus metrics registry: counters, gauges and histograms in
// families with labels, rendered in the text exposition format (0.0.4).
// Debian 12 packages no Prometheus client library for C++, so this is the
// small part of one that caf-ha needs. Every operation is thread-safe;
// updating a series is lock-free once its handle is held.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ha::ops {

enum class metric_type { counter, gauge, histogram };

/// "counter", "gauge" or "histogram".
const char* to_string(metric_type x);

/// What a family is: its name, help line, type and label names.
struct family_info {
  std::string name;
  std::string help;
  metric_type type = metric_type::counter;
  std::vector<std::string> labels = {};
};

/// A value that only grows. Monotonic even when read while written.
class counter {
public:
  void inc(double n = 1);
  /// Raises the value to `total` (a count kept elsewhere); never lowers it.
  void raise_to(double total);
  double value() const;

private:
  std::atomic<double> value_{0};
};

class gauge {
public:
  void set(double x);
  void add(double x);
  double value() const;

private:
  std::atomic<double> value_{0};
};

class histogram {
public:
  /// `bounds`: the upper bounds of the buckets, ascending; +Inf is implied.
  explicit histogram(std::vector<double> bounds);
  void observe(double x);

  struct snapshot {
    std::vector<double> bounds;
    /// Cumulative counts per bound, then the +Inf bucket (== count).
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  snapshot read() const;

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

/// The upper bounds of latency histograms, in seconds: 100 µs to 10 s.
const std::vector<double>& latency_buckets();

class registry {
public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Declares a family; a family without labels gets its one series at
  /// once, so that it shows 0 before anything happened. Declaring a name
  /// twice returns quietly if the declarations agree and throws
  /// std::logic_error otherwise (a programming error).
  void declare(family_info info, std::vector<double> buckets = {});

  /// The series of a declared family with these label values (one per
  /// label name), created on first use. The reference stays valid as long
  /// as the registry. Throws std::logic_error for an undeclared name, a
  /// wrong type or a wrong number of label values.
  counter& get_counter(const std::string& name,
                       const std::vector<std::string>& values = {});
  gauge& get_gauge(const std::string& name,
                   const std::vector<std::string>& values = {});
  histogram& get_histogram(const std::string& name,
                           const std::vector<std::string>& values = {});

  /// Removes every series whose label `label` has `value` (their family
  /// stays). References to them must no longer be used.
  void forget(const std::string& label, const std::string& value);

  /// Runs `f` before every rendering, to copy values kept elsewhere.
  void on_collect(std::function<void()> f);

  /// Every family in the text exposition format, in declaration order.
  std::string expose() const;

  /// The declared families, in declaration order.
  std::vector<family_info> families() const;

private:
  struct family;
  family& find(const std::string& name, metric_type type,
               size_t label_count);
  template <class T>
  T& series(const std::string& name, metric_type type,
            const std::vector<std::string>& values);

  mutable std::mutex mtx_;
  std::vector<std::unique_ptr<family>> families_;
  std::vector<std::function<void()>> collectors_;
};

/// Markdown table (| metric | type | labels | description |) of the
/// families of `reg`, for the README.
std::string metrics_table_markdown(const registry& reg);

} // namespace ha::ops
