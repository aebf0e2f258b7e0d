// What a peer's bytes go through in ha-node: the peer guard's filter
// (actors/net/basp_filter.hpp) and, for what it admits, CAF's decoding of
// that BASP operation as caf::io::basp::instance does it, with every caf-ha
// message type registered. The first input byte picks the operation, the
// rest is its payload:
//   0  the peer's handshake (its node id)
//   1  a direct message (forwarding stack, message), after the handshake
//   2  a monitor message (two node ids), after the handshake
//   3  a down message (two node ids, an error), after the handshake
//   4  a down message from the peer to ha-node: the rest is its error

#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/io/basp/message_type.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/proxy_registry.hpp>
#include <caf/scoped_execution_unit.hpp>

#include "caf_ha/actors/net/basp_filter.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;

namespace {

namespace basp = caf::io::basp;
using op = basp::message_type;
using bytes = std::vector<char>;

/// Proxies of remote actors are what a decoded handle of the peer's node
/// points to; none are needed to decode, so there are none.
struct no_proxies : caf::proxy_registry::backend {
  caf::strong_actor_ptr make_proxy(caf::node_id, caf::actor_id) override {
    return nullptr;
  }
  void set_last_hop(caf::node_id*) override {
  }
};

struct node_side {
  fuzz::registered_config cfg;
  caf::actor_system sys{cfg};
  no_proxies backend;
  caf::proxy_registry proxies{sys, backend};
  caf::scoped_execution_unit ctx{&sys};
  caf::node_id peer = *caf::make_node_id(4711, std::string(40, 'b'));

  node_side() {
    ctx.proxy_registry_ptr(&proxies);
  }

  template <class... Ts>
  bytes serialized(Ts&... xs) {
    bytes buf;
    caf::binary_serializer sink{&ctx, buf};
    fuzz::expect(!sink(xs...), "serializing the harness's own values");
    return buf;
  }

  /// Hands the filter a header and its payload as the guard does; true if
  /// both pass.
  bool admit(basp_filter& filter, op operation, const bytes& payload) {
    basp::header hdr{operation, 0, static_cast<uint32_t>(payload.size()),
                     caf::make_message_id().integer_value(), 1, 2};
    auto head = serialized(hdr);
    if (!filter.admit(&ctx, head.data(), head.size(), "fuzz", 1))
      return false;
    return payload.empty()
           || filter.admit(&ctx, payload.data(), payload.size(), "fuzz", 1);
  }

  /// CAF's decoding of an admitted payload, and what ha-node may do with
  /// the result (print it); false if CAF fails to decode it.
  bool decode(op operation, const bytes& payload) {
    caf::binary_deserializer source{&ctx, payload};
    caf::node_id from;
    caf::node_id to;
    caf::error err;
    switch (operation) {
      case op::client_handshake:
        err = source(from);
        break;
      case op::monitor_message:
        err = source(from, to);
        break;
      case op::down_message: {
        caf::error reason;
        err = source(from, to, reason);
        sys.render(reason);
        break;
      }
      default: {
        std::vector<caf::strong_actor_ptr> stages;
        caf::message msg;
        err = source(stages, msg);
        caf::to_string(msg);
      }
    }
    proxies.clear();
    return !err;
  }
};

node_side& node() {
  // Never destroyed: CAF 0.17 crashes destroying an actor system in exit
  // handlers, where libFuzzer would end a static one.
  static auto instance = new node_side;
  return *instance;
}

constexpr op operations[] = {op::client_handshake, op::direct_message,
                             op::monitor_message, op::down_message,
                             op::down_message};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool silenced = (fuzz::silence_logs(), true);
  (void) silenced;
  if (size == 0)
    return 0;
  auto& n = node();
  auto mode = data[0] % std::size(operations);
  auto operation = operations[mode];
  bytes payload;
  if (mode == 4) {
    auto to = n.sys.node();
    payload = n.serialized(n.peer, to);
  }
  payload.insert(payload.end(), data + 1, data + size);
  basp_filter filter;
  fuzz::expect(operation == op::client_handshake
                 || n.admit(filter, op::client_handshake, n.serialized(n.peer)),
               "the filter admits a peer's first handshake");
  if (n.admit(filter, operation, payload) && !payload.empty())
    fuzz::expect(n.decode(operation, payload),
                 "CAF decodes what the filter admits");
  return 0;
}
