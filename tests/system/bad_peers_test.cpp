// Bad peers on ha-node's plain-TCP port, from raw loopback sockets: garbage,
// a handshake of another protocol version, a message over the size limit and
// a flood of connections. ha-node drops each such peer, says so on stderr,
// and keeps serving a good hactl.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "caf_ha/actors/net/peer_guard.hpp"
#include "tests/support/cluster.hpp"

using namespace ha::test;

namespace {

using clock_type = std::chrono::steady_clock;

uint16_t port_of(const running_node& node) {
  auto colon = node.endpoint.rfind(':');
  return static_cast<uint16_t>(std::stoi(node.endpoint.substr(colon + 1)));
}

/// A raw TCP connection to ha-node on loopback.
class raw_peer {
public:
  explicit raw_peer(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
  }

  raw_peer(const raw_peer&) = delete;
  raw_peer& operator=(const raw_peer&) = delete;

  ~raw_peer() {
    close(fd_);
  }

  void send_bytes(const std::vector<uint8_t>& bytes) {
    REQUIRE(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(bytes.size()));
  }

  /// Reads (and drops, e.g. ha-node's own handshake) until ha-node closes
  /// the connection; false if it is still open after `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = clock_type::now() + timeout;
    char buf[4096];
    for (auto now = clock_type::now(); now < deadline;
         now = clock_type::now()) {
      pollfd pfd{fd_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - now);
      if (poll(&pfd, 1, static_cast<int>(left.count()) + 1) <= 0)
        continue;
      auto n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        return true; // EOF or reset: dropped
    }
    return false;
  }

private:
  int fd_;
};

/// A BASP header as CAF 0.17 puts it on the wire (network byte order):
/// operation, two padding bytes, flags, payload length, operation data,
/// source actor, destination actor.
std::vector<uint8_t> basp_header(uint8_t operation, uint32_t payload_len,
                                 uint64_t operation_data,
                                 uint64_t dest_actor = 0) {
  std::vector<uint8_t> result{operation, 0, 0, 0};
  auto put = [&](uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      result.push_back(static_cast<uint8_t>(value >> (8 * i)));
  };
  put(payload_len, 4);
  put(operation_data, 8);
  put(0, 8);
  put(dest_actor, 8);
  return result;
}

constexpr uint8_t server_handshake = 0x00;
constexpr uint8_t client_handshake = 0x01;
constexpr uint8_t direct_message = 0x02;
constexpr uint8_t routed_message = 0x03;

/// A `hactl leader get` through the node succeeds.
void expect_served(const running_node& node) {
  auto client = hactl(node.endpoint, {"leader", "get", "dispatcher"});
  auto answer = next_event(*client);
  CHECK(answer["event"] == "leader");
  CHECK(client->wait(10s) == 0);
  CHECK_FALSE(node.process->wait(0ms)); // ha-node still runs
}

size_t open_files(pid_t pid) {
  auto dir = "/proc/" + std::to_string(pid) + "/fd";
  auto entries = std::filesystem::directory_iterator{dir};
  return static_cast<size_t>(
    std::distance(entries, std::filesystem::directory_iterator{}));
}

} // namespace

TEST_CASE("a peer sending garbage bytes is dropped and logged, ha-node keeps "
          "serving") {
  running_node node;
  raw_peer peer{port_of(node)};
  peer.send_bytes(std::vector<uint8_t>(64, 0xff));
  CHECK(peer.closed_within(5s));
  expect_served(node);
  CHECK_THAT(node.process->error_output(),
             Catch::Contains("dropping peer 127.0.0.1"));
}

TEST_CASE("handshake headers of another protocol version are dropped, "
          "ha-node keeps serving") {
  // Version 99 in the operation data, no payload: CAF 0.17 alone
  // dereferences the missing payload of either header and dies of SIGSEGV.
  running_node node;
  for (auto operation : {server_handshake, client_handshake}) {
    INFO("operation " << int{operation});
    raw_peer peer{port_of(node)};
    peer.send_bytes(basp_header(operation, 0, 99));
    CHECK(peer.closed_within(5s));
    expect_served(node);
  }
}

TEST_CASE("a routed message is dropped before CAF forwards it in ha-node's "
          "name, ha-node keeps serving",
          "[hostile][system]") {
  // A routed message names its source node itself: CAF would deliver it,
  // or forward it to another peer, as if that node had sent it.
  running_node node;
  raw_peer peer{port_of(node)};
  // One write: the node may close the connection right after the header.
  auto bytes = basp_header(routed_message, 64, 0, 1);
  bytes.resize(bytes.size() + 64, 0);
  peer.send_bytes(bytes);
  CHECK(peer.closed_within(5s));
  // This peer never shook hands; one that did is dropped for the routing
  // itself (tests/config/basp_filter_test.cpp, and the hostile peer's link
  // request, which CAF routes).
  CHECK_THAT(node.process->error_output(),
             Catch::Contains("a message before its handshake"));
  expect_served(node);
}

TEST_CASE("a message announcing more than the size limit is dropped before "
          "ha-node allocates it") {
  running_node node;
  expect_served(node);
  // Relative to the peak so far: a sanitized build starts far higher.
  auto peak_before_kb = status_kb(node.process->pid(), "VmHWM");
  // Just over the limit, and CAF's maximum of 4 GiB: CAF alone would
  // allocate and zero the announced size on its network thread.
  for (uint32_t announced : {ha::max_peer_message_size + 1, 0xfffffff0u}) {
    raw_peer peer{port_of(node)};
    peer.send_bytes(basp_header(direct_message, announced, 0, 1));
    CHECK(peer.closed_within(5s));
  }
  // A handshake is the one message a peer sends before its handshake.
  raw_peer greedy{port_of(node)};
  greedy.send_bytes(basp_header(client_handshake, 0xfffffff0u, 0, 1));
  CHECK(greedy.closed_within(5s));
  expect_served(node);
  constexpr long growth_limit_kb = 128 * 1024;
  CHECK(status_kb(node.process->pid(), "VmHWM") - peak_before_kb
        < growth_limit_kb);
}

TEST_CASE("a flood of 200 connections, held and then dropped, leaves ha-node "
          "serving with no connection left behind") {
  constexpr int flood_size = 200;
  running_node node;
  auto pid = node.process->pid();
  expect_served(node);
  auto baseline = open_files(pid);
  {
    std::vector<std::unique_ptr<raw_peer>> flood;
    for (int i = 0; i < flood_size; ++i)
      flood.push_back(std::make_unique<raw_peer>(port_of(node)));
    // Half of them talk nonsense, the other half stay silent.
    for (int i = 0; i < flood_size; i += 2)
      flood[i]->send_bytes(basp_header(0x7f, 0, 0));
    expect_served(node);
  }
  // Closed by us: ha-node must let go of every socket. Bounded poll on the
  // condition (no event to wait for from outside the process).
  auto deadline = clock_type::now() + 5s;
  while (open_files(pid) > baseline && clock_type::now() < deadline)
    std::this_thread::sleep_for(20ms);
  CHECK(open_files(pid) <= baseline);
  expect_served(node);
}
