// The rules of the peer guard (actors/net/basp_filter.hpp), fed the bytes a
// hostile peer would write: only what CAF's clients send, in their order.

#include "caf_ha/actors/net/basp_filter.hpp"

#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/basp/message_type.hpp>
#include <caf/message_id.hpp>
#include <caf/scoped_execution_unit.hpp>
#include <catch2/catch.hpp>

using namespace ha;

namespace {

namespace basp = caf::io::basp;
using op = basp::message_type;

struct filter_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_execution_unit ctx{&sys};
  caf::node_id peer = node(7);

  static caf::node_id node(uint32_t pid) {
    return *caf::make_node_id(pid, std::string(40, 'a'));
  }

  std::vector<char> header(op operation, uint32_t payload_len,
                           uint8_t flags = 0,
                           uint64_t data = caf::make_message_id().integer_value()) {
    basp::header hdr{operation, flags, payload_len, data, 1, 2};
    std::vector<char> buf;
    caf::binary_serializer sink{&ctx, buf};
    REQUIRE_FALSE(sink(hdr));
    return buf;
  }

  template <class... Ts>
  std::vector<char> payload(Ts... xs) {
    std::vector<char> buf;
    caf::binary_serializer sink{&ctx, buf};
    REQUIRE_FALSE(sink(xs...));
    return buf;
  }

  /// A direct message's payload: no forwarding stack, then a message whose
  /// type names are `types`, then a few bytes of content.
  static std::vector<char> message_with_types(const std::string& types) {
    std::vector<char> buf{0, 0, 0, static_cast<char>(types.size())};
    buf.insert(buf.end(), types.begin(), types.end());
    buf.insert(buf.end(), 8, 0);
    return buf;
  }

  /// Feeds a header and its payload; false if the filter dropped the peer.
  bool send(basp_filter& f, op operation, const std::vector<char>& body,
            uint8_t flags = 0,
            uint64_t data = caf::make_message_id().integer_value()) {
    auto hdr = header(operation, static_cast<uint32_t>(body.size()), flags,
                      data);
    if (!f.admit(&ctx, hdr.data(), hdr.size(), "127.0.0.1", 1))
      return false;
    return body.empty()
           || f.admit(&ctx, body.data(), body.size(), "127.0.0.1", 1);
  }

  bool handshake(basp_filter& f, const caf::node_id& nid, uint8_t flags = 0) {
    return send(f, op::client_handshake, payload(nid), flags);
  }
};

constexpr uint8_t select_flag = basp::header::select_connection_flag;

} // namespace

TEST_CASE_METHOD(filter_fixture,
                 "a peer's handshake comes first, once, then once more to "
                 "select the connection for the same node") {
  SECTION("a message before the handshake") {
    basp_filter f;
    CHECK(send(f, op::heartbeat, {}));
    CHECK_FALSE(send(f, op::direct_message, message_with_types("@<>+@atom")));
  }
  SECTION("the two handshakes CAF sends, then messages") {
    basp_filter f;
    CHECK(handshake(f, peer));
    CHECK(handshake(f, peer, select_flag));
    CHECK(send(f, op::direct_message, message_with_types("@<>+@atom+@str")));
  }
  SECTION("a second handshake that selects nothing") {
    basp_filter f;
    CHECK(handshake(f, peer));
    CHECK_FALSE(handshake(f, peer));
  }
  SECTION("a second handshake in another node's name") {
    basp_filter f;
    CHECK(handshake(f, peer));
    CHECK_FALSE(handshake(f, node(8), select_flag));
  }
  SECTION("a third handshake") {
    basp_filter f;
    CHECK(handshake(f, peer));
    CHECK(handshake(f, peer, select_flag));
    CHECK_FALSE(handshake(f, peer, select_flag));
  }
  SECTION("a routed message after the handshake") {
    basp_filter f;
    CHECK(handshake(f, peer));
    CHECK_FALSE(send(f, op::routed_message, payload(peer, node(8))));
  }
  SECTION("a handshake announcing 4 GiB") {
    basp_filter f;
    auto hdr = header(op::client_handshake, 0xFFFFFFFF);
    CHECK_FALSE(f.admit(&ctx, hdr.data(), hdr.size(), "127.0.0.1", 1));
  }
}

TEST_CASE_METHOD(filter_fixture,
                 "a handshake may not speak for ha-node or for a node "
                 "connected elsewhere") {
  basp_filter ours;
  CHECK_FALSE(handshake(ours, sys.node()));
  {
    basp_filter first;
    REQUIRE(handshake(first, peer));
    basp_filter impostor;
    CHECK_FALSE(handshake(impostor, peer));
  }
  // Once the first connection is gone, its node may connect again.
  basp_filter again;
  CHECK(handshake(again, peer));
}

TEST_CASE_METHOD(filter_fixture,
                 "system messages, responses and forwarding stacks are "
                 "dropped however their types are spelled") {
  basp_filter f;
  REQUIRE(handshake(f, peer));
  uint32_t pid = 100;
  for (auto types : {"@<>+@exit", "@<>+@exit+", "@<>+@down", "@<>++@error",
                     "@<>+@atom+@strong_actor_ptr+", "@<>+@timeout"}) {
    INFO(types);
    basp_filter g;
    REQUIRE(handshake(g, node(++pid)));
    CHECK_FALSE(send(g, op::direct_message, message_with_types(types)));
  }
  basp_filter response;
  REQUIRE(handshake(response, node(9)));
  CHECK_FALSE(send(response, op::direct_message,
                   message_with_types("@<>+@atom"), 0,
                   caf::make_message_id(5).response_id().integer_value()));
  basp_filter stack;
  REQUIRE(handshake(stack, node(10)));
  auto body = message_with_types("@<>+@atom");
  body[0] = 1;
  CHECK_FALSE(send(stack, op::direct_message, body));
}

TEST_CASE_METHOD(filter_fixture,
                 "monitor and down messages pass only from the peer to "
                 "ha-node") {
  basp_filter f;
  REQUIRE(handshake(f, peer));
  CHECK(send(f, op::down_message,
             payload(peer, sys.node(), caf::error{})));
  CHECK(send(f, op::monitor_message, payload(peer, sys.node())));
  basp_filter forged;
  REQUIRE(handshake(forged, node(11)));
  CHECK_FALSE(send(forged, op::down_message,
                   payload(node(12), sys.node(), caf::error{})));
  basp_filter relayed;
  REQUIRE(handshake(relayed, node(13)));
  CHECK_FALSE(send(relayed, op::monitor_message, payload(node(13), node(14))));
}
