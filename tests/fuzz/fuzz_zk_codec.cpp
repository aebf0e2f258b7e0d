// The ZooKeeper node decoders (backends/zookeeper/zk_codec.hpp): every node
// a store or the election reads may hold anything another ZooKeeper client
// wrote. A decoder refuses the data or returns what encodes to data that
// decodes to the same value.

#include <string>

#include "caf_ha/backends/zookeeper/zk_codec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;

namespace {

const job_id some_job = *parse_job_id("0123456789abcdef0123456789abcdef");

/// A node names a payload file relative to the store's directory, so it
/// must not climb out of it.
void check_payload_name(const std::string& file) {
  fuzz::expect(!file.empty() && file.front() != '/'
                 && file.find("..") == std::string::npos,
               "a payload file stays in the payload directory");
}

void check_leader_info(const std::string& data) {
  auto info = decode_leader_info(data);
  if (!info)
    return;
  auto again = decode_leader_info(encode_leader_info(*info));
  fuzz::expect(again && again->address == info->address
                 && again->session == info->session
                 && again->epoch == info->epoch,
               "leader info round-trips");
}

void check_graph_node(const std::string& data) {
  job_graph graph;
  auto file = decode_graph_node(data, graph);
  if (!file)
    return;
  check_payload_name(*file);
  job_graph again;
  auto file_again = decode_graph_node(encode_graph_node(graph, *file), again);
  fuzz::expect(file_again == file && again.name == graph.name
                 && again.metadata == graph.metadata,
               "a job graph node round-trips");
}

void check_result(const std::string& data) {
  auto entry = decode_result(some_job, data);
  if (!entry)
    return;
  auto again = decode_result(some_job, encode_result(*entry));
  fuzz::expect(again && again->status == entry->status
                 && again->timestamp_ms == entry->timestamp_ms
                 && again->clean == entry->clean,
               "a job result node round-trips");
}

void check_change(const std::string& data) {
  auto change = decode_change(7, data);
  if (!change)
    return;
  auto again = decode_change(7, encode_change(*change));
  fuzz::expect(again && again->id == change->id
                 && again->added == change->added
                 && again->origin == change->origin,
               "a job graph change round-trips");
}

void check_checkpoint_node(const std::string& data) {
  completed_checkpoint checkpoint;
  auto file = decode_checkpoint_node(data, checkpoint);
  if (!file)
    return;
  check_payload_name(*file);
  completed_checkpoint again;
  auto file_again
    = decode_checkpoint_node(encode_checkpoint_node(checkpoint, *file), again);
  fuzz::expect(file_again == file
                 && again.timestamp_ms == checkpoint.timestamp_ms,
               "a checkpoint node round-trips");
}

void check_number(const std::string& data) {
  auto number = decode_number(data);
  if (!number)
    return;
  fuzz::expect(decode_number(std::to_string(*number)) == number,
               "a number node round-trips");
}

/// Another client may write any latch node data: what is read must be an
/// address a leader could publish, or none.
void check_contender(const std::string& data) {
  auto latch = decode_latch(data);
  auto& options = latch.options;
  fuzz::expect(options.address.empty()
                 || !check_leader_address(options.address),
               "a latch node's address is one a leader could publish");
  auto again = decode_latch(encode_contender(options, latch.stepped_down));
  fuzz::expect(again.options.address == options.address
                 && again.options.priority == options.priority
                 && again.stepped_down == latch.stepped_down,
               "a latch node round-trips");
}

/// A handover node names a latch node, or nothing.
void check_handover(const std::string& data) {
  auto name = decode_handover(data);
  if (!name)
    return;
  fuzz::expect(name->find('/') == std::string::npos
                 && sequence_of(*name).has_value(),
               "a handover names a sequential node's name");
  fuzz::expect(decode_handover(encode_handover(*name)) == name,
               "a handover node round-trips");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto str = fuzz::text(data, size);
  check_leader_info(str);
  sequence_of(str);
  check_graph_node(str);
  check_result(str);
  check_change(str);
  check_checkpoint_node(str);
  check_number(str);
  check_contender(str);
  check_handover(str);
  return 0;
}
