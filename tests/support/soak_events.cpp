#include "tests/support/soak_events.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ha::test {

void soak_events::read_file(const std::string& path) {
  std::ifstream in{path};
  std::string content{std::istreambuf_iterator<char>{in}, {}};
  size_t start = 0;
  for (size_t nl; (nl = content.find('\n', start)) != std::string::npos;
       start = nl + 1)
    read_line(content.substr(start, nl - start));
}

void soak_events::read_line(const std::string& line) {
  std::istringstream in{line};
  std::string what, component, job;
  uint64_t epoch = 0;
  in >> what >> component >> epoch >> job;
  auto note = [&](size_t& counter) {
    if (++counter <= 3)
      examples.push_back(line);
  };
  if (what == "leading")
    grants[{component, epoch}].insert(job);
  else if (what == "ack")
    acked.insert(job);
  else if (what == "fenced")
    ++leader_fenced, refused.insert(job);
  else if (what == "stale_fenced")
    ++stale_fenced, refused.insert(job);
  else if (what == "stale_ack")
    note(stale_acked);
  else if (what == "stale_other")
    ++stale_other;
  else if (what == "werr")
    ++write_errors;
  else if (what == "resign")
    ++resigns;
  else if (what == "violation")
    note(order_violations);
  else if (what == "retr_err")
    ++retrieval_errors;
  else if (what == "join_err")
    note(join_errors);
}

std::map<std::string, std::string> soak_events::last_leaders() const {
  std::map<std::string, std::string> result;
  // Sorted by (component, epoch): the last entry of a component wins.
  for (auto& [key, addresses] : grants)
    result[key.first] = *addresses.begin() + " " + std::to_string(key.second);
  return result;
}

std::vector<std::string> soak_events::shared_epochs() const {
  std::vector<std::string> result;
  for (auto& [key, addresses] : grants)
    if (addresses.size() > 1)
      result.push_back(key.first + " epoch " + std::to_string(key.second)
                       + " led by " + std::to_string(addresses.size())
                       + " contenders");
  return result;
}

resource_sample sample_resources(int pid, double seconds) {
  resource_sample sample;
  sample.seconds = seconds;
  auto dir = "/proc/" + std::to_string(pid);
  std::ifstream status{dir + "/status"};
  for (std::string key; status >> key;) {
    if (key == "VmRSS:") {
      status >> sample.rss_kib;
      break;
    }
    status.ignore(1024, '\n');
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator i{dir + "/fd", ec}, end;
       !ec && i != end; i.increment(ec))
    ++sample.fds;
  return sample;
}

resource_sample peak_between(const std::vector<resource_sample>& samples,
                             double from, double to) {
  resource_sample peak;
  for (auto& x : samples)
    if (x.seconds >= from && x.seconds < to) {
      peak.rss_kib = std::max(peak.rss_kib, x.rss_kib);
      peak.fds = std::max(peak.fds, x.fds);
    }
  return peak;
}

} // namespace ha::test
