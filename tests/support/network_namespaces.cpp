#include "tests/support/network_namespaces.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/child_process.hpp"

namespace ha::test {

namespace {

using namespace std::chrono_literals;

const std::string ip = "/usr/sbin/ip";
const std::string bridge = "br0";

/// Runs `ip args...`; the error output on failure, nullopt on success.
std::optional<std::string> run_ip(std::vector<std::string> args) {
  args.insert(args.begin(), ip);
  child_process proc{args};
  auto code = proc.wait(10s);
  if (code == 0)
    return std::nullopt;
  if (!proc.error_output().empty())
    return proc.error_output();
  return "exit code " + std::to_string(code.value_or(-1));
}

void require_ip(std::vector<std::string> args) {
  auto err = run_ip(args);
  std::string command = ip;
  for (auto& arg : args)
    command += " " + arg;
  INFO(command << ": " << err.value_or(""));
  REQUIRE_FALSE(err);
}

} // namespace

std::unique_ptr<namespace_network> namespace_network::create(std::string& why) {
  if (access(ip.c_str(), X_OK) != 0) {
    why = ip + " is not installed";
    return nullptr;
  }
  std::unique_ptr<namespace_network> result{new namespace_network};
  // The pid keeps concurrent test runs apart.
  result->prefix_ = "hatest" + std::to_string(getpid()) + "-";
  auto sw = result->namespace_of("switch");
  if (auto err = run_ip({"netns", "add", sw})) {
    why = *err;
    return nullptr;
  }
  result->made_.push_back(sw);
  for (auto args : {std::vector<std::string>{"-n", sw, "link", "add", bridge,
                                             "type", "bridge"},
                    std::vector<std::string>{"-n", sw, "link", "set", bridge,
                                             "up"}})
    if (auto err = run_ip(args)) {
      why = *err;
      return nullptr;
    }
  return result;
}

namespace_network::~namespace_network() {
  // Deleting a namespace also deletes the veth ends inside it.
  for (auto& ns : made_)
    run_ip({"netns", "del", ns});
}

std::string namespace_network::namespace_of(const std::string& name) const {
  return prefix_ + name;
}

std::string namespace_network::add_host(const std::string& name, int number) {
  auto ns = namespace_of(name);
  auto sw = namespace_of("switch");
  auto port = "p-" + name;
  auto address = "10.213.0." + std::to_string(number);
  require_ip({"netns", "add", ns});
  made_.push_back(ns);
  require_ip({"-n", sw, "link", "add", port, "type", "veth", "peer", "name",
              "eth0", "netns", ns});
  require_ip({"-n", sw, "link", "set", port, "master", bridge, "up"});
  require_ip({"-n", ns, "addr", "add", address + "/24", "dev", "eth0"});
  require_ip({"-n", ns, "link", "set", "eth0", "up"});
  require_ip({"-n", ns, "link", "set", "lo", "up"});
  return address;
}

std::vector<std::string>
namespace_network::launcher(const std::string& name) const {
  return {ip, "netns", "exec", namespace_of(name)};
}

void namespace_network::set_link(const std::string& name, bool up) {
  require_ip({"-n", namespace_of(name), "link", "set", "eth0",
              up ? "up" : "down"});
}

} // namespace ha::test
