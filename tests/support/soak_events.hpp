#pragma once

// What the soak test (tests/system/soak_test.cpp) reads back from its
// workers' event files (tests/soak/soak_worker.hpp) and the invariants it
// checks on them.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ha::test {

/// Everything the event files of one soak run say.
struct soak_events {
  /// (component, epoch) -> addresses that said they lead with it.
  std::map<std::pair<std::string, uint64_t>, std::set<std::string>> grants;
  /// Jobs whose fenced write was acknowledged.
  std::set<std::string> acked;
  /// Jobs whose write the store refused as fenced (a leader's own write
  /// after it lost the grant, and every stale write).
  std::set<std::string> refused;
  size_t leader_fenced = 0;  // a leader's write fenced
  size_t stale_fenced = 0;   // a write with an ended token, refused
  size_t stale_acked = 0;    // ... acknowledged: a broken fence
  size_t stale_other = 0;    // ... failed otherwise (e.g. disconnected)
  size_t write_errors = 0;   // other failures of a leader's write
  size_t resigns = 0;
  size_t order_violations = 0;  // a listener saw an epoch not growing
  size_t retrieval_errors = 0;
  size_t join_errors = 0;
  std::vector<std::string> examples; // first lines of each broken rule

  /// Reads one event file (a partial last line of a killed process is
  /// skipped).
  void read_file(const std::string& path);

  /// The leader with the highest epoch per component: "ADDRESS EPOCH".
  std::map<std::string, std::string> last_leaders() const;

  /// (component, epoch) pairs claimed by more than one address.
  std::vector<std::string> shared_epochs() const;

private:
  void read_line(const std::string& line);
};

/// One sample of a process's resources.
struct resource_sample {
  double seconds = 0; // since the soak began
  uint64_t rss_kib = 0;
  size_t fds = 0;
};

/// VmRSS and the number of open file descriptors of `pid` now.
resource_sample sample_resources(int pid, double seconds);

/// The largest RSS and fd count of the samples in [from, to).
resource_sample peak_between(const std::vector<resource_sample>& samples,
                             double from, double to);

} // namespace ha::test
