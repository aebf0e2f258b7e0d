// The rules of the peer guard (actors/net/basp_filter.hpp), fed the bytes a
// hostile peer would write: only what CAF's clients send, in their order.

#include "caf_ha/actors/net/basp_filter.hpp"

#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/basp/message_type.hpp>
#include <caf/make_message.hpp>
#include <caf/message_builder.hpp>
#include <caf/message_id.hpp>
#include <caf/scoped_execution_unit.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/stores.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/hostile_bytes.hpp"

using namespace ha;
using namespace ha::test;

namespace {

namespace basp = caf::io::basp;
using op = basp::message_type;

struct registered_config : caf::actor_system_config {
  registered_config() {
    register_types(*this);
  }
};

struct filter_fixture {
  registered_config cfg;
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

  /// A direct message's payload as CAF's clients write it: no forwarding
  /// stack, then the message.
  std::vector<char> direct(const caf::message& msg) {
    return payload(std::vector<caf::strong_actor_ptr>{}, msg);
  }

  /// A direct message's payload that holds the message `bytes`.
  static std::vector<char> direct_bytes(const std::vector<char>& bytes) {
    std::vector<char> result{0};
    result.insert(result.end(), bytes.begin(), bytes.end());
    return result;
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
    CHECK(send(f, op::direct_message,
               direct(caf::make_message(caf::get_atom::value,
                                        std::string{"dispatcher"}))));
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
                 "a message of more fields than any of the protocol's is "
                 "dropped, however small each field") {
  auto message_of = [](size_t fields) {
    caf::message_builder builder;
    for (size_t i = 0; i < fields; ++i)
      builder.append(int8_t{1});
    return builder.to_message();
  };
  basp_filter widest;
  REQUIRE(handshake(widest, node(20)));
  CHECK(send(widest, op::direct_message, direct(message_of(32))));
  basp_filter wider;
  REQUIRE(handshake(wider, node(21)));
  CHECK_FALSE(send(wider, op::direct_message, direct(message_of(33))));
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

TEST_CASE_METHOD(filter_fixture,
                 "a message announcing more bytes than it carries is dropped "
                 "before anybody allocates them") {
  // CAF's own decoding allocates and zeroes the 4 GiB a 40-byte message
  // announces for its chunk, before it finds the bytes missing.
  basp_filter f;
  REQUIRE(handshake(f, peer));
  auto before = peak_rss_mib();
  CHECK_FALSE(send(f, op::direct_message,
                   direct_bytes(chunk_claiming(sys, 0xffffffff))));
  CHECK(peak_rss_mib() - before < 256);
  basp_filter g;
  REQUIRE(handshake(g, node(20)));
  CHECK_FALSE(send(g, op::direct_message,
                   direct_bytes(chunk_claiming(sys, 2))));
}

TEST_CASE_METHOD(filter_fixture,
                 "every value of the protocol passes, a chunk at the store's "
                 "limit too") {
  basp_filter f;
  REQUIRE(handshake(f, peer));
  job_graph graph;
  graph.name = "wordcount";
  graph.metadata = {{"k", "v"}};
  graph.payload = std::vector<uint8_t>(1000, 7);
  CHECK(send(f, op::direct_message,
             direct(caf::make_message(caf::put_atom::value, graph,
                                      fencing_token{"dispatcher", 3}))));
  CHECK(send(f, op::direct_message,
             direct(caf::make_message(upload_chunk_atom::value, uint64_t{1},
                                      std::vector<uint8_t>(8 << 20, 1)))));
  CHECK(send(f, op::direct_message,
             direct(caf::make_message(shutdown_atom::value, job_id{},
                                      job_status::finished,
                                      fencing_token{}))));
}

TEST_CASE_METHOD(filter_fixture,
                 "a message holding a type outside the protocol is "
                 "dropped") {
  // CAF's built-in types a peer could use for harm: a byte buffer CAF sizes
  // as announced, messages, errors and config values nested without bound
  // (and a group, which CAF creates and keeps on decoding).
  auto inner = caf::make_message(caf::get_atom::value);
  std::vector<caf::message> messages{
    caf::make_message(std::vector<char>(4, 'x')),
    caf::make_message(caf::get_atom::value, inner),
    caf::make_message(caf::get_atom::value, caf::config_value{1}),
    caf::make_message(caf::get_atom::value, 1.5),
  };
  uint32_t pid = 30;
  for (auto& msg : messages) {
    INFO(caf::to_string(msg));
    basp_filter f;
    REQUIRE(handshake(f, node(++pid)));
    CHECK_FALSE(send(f, op::direct_message, direct(msg)));
  }
}

TEST_CASE_METHOD(filter_fixture,
                 "errors pass inside messages, but not nested without bound") {
  // An error's context is a message, which may hold an error: each level
  // is a level of recursion in CAF's decoder.
  auto nested = [](int depth) {
    auto err = make_error(errc::closed, "innermost");
    for (int i = 1; i < depth; ++i)
      err = caf::error{1, caf::atom("x"), caf::make_message(err)};
    return caf::make_message(caf::get_atom::value, err);
  };
  basp_filter f;
  REQUIRE(handshake(f, peer));
  CHECK(send(f, op::direct_message, direct(nested(2))));
  basp_filter g;
  REQUIRE(handshake(g, node(50)));
  CHECK_FALSE(send(g, op::direct_message, direct(nested(100))));
}

TEST_CASE_METHOD(filter_fixture,
                 "a down message passes with a plain reason, not with one "
                 "that holds a type outside the protocol in its context") {
  basp_filter f;
  REQUIRE(handshake(f, peer));
  CHECK(send(f, op::down_message,
             payload(peer, sys.node(),
                     make_error(errc::closed, "the contender left"))));
  basp_filter g;
  REQUIRE(handshake(g, node(40)));
  auto reason = caf::error{1, caf::atom("x"),
                           caf::make_message(std::vector<char>(4, 'x'))};
  CHECK_FALSE(send(g, op::down_message, payload(node(40), sys.node(), reason)));
}
