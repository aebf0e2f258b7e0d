#pragma once

// Network namespaces for partition tests: every host of a test gets its own
// namespace, linked to a bridge in a "switch" namespace by a veth pair, so
// a test can cut one host's link without touching the machine's network.

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ha::test {

class namespace_network {
public:
  /// Makes the switch namespace and its bridge. Returns nullptr and sets
  /// `why` when this machine does not let the test make namespaces (not
  /// root, no `ip`, no veth support).
  static std::unique_ptr<namespace_network> create(std::string& why);

  namespace_network(const namespace_network&) = delete;
  namespace_network& operator=(const namespace_network&) = delete;

  /// Deletes every namespace this network made, even after a failed test.
  ~namespace_network();

  /// Adds a host `name` with address 10.213.0.`number`/24 on its eth0.
  /// Returns that address. Fails the test on error.
  std::string add_host(const std::string& name, int number);

  /// Prefix that runs a program inside the namespace of host `name`.
  std::vector<std::string> launcher(const std::string& name) const;

  /// Cuts (`up` false) or restores the link of host `name`.
  void set_link(const std::string& name, bool up);

private:
  namespace_network() = default;

  std::string namespace_of(const std::string& name) const;

  std::string prefix_;
  std::vector<std::string> made_;
};

} // namespace ha::test
