// The ZooKeeper node decoders (backends/zookeeper/zk_codec.hpp) on what any
// other ZooKeeper client may have written: no value outside its type, no
// exception, no payload file outside the payload directory.

#include "caf_ha/backends/zookeeper/zk_codec.hpp"

#include <catch2/catch.hpp>

using namespace ha;

namespace {

const job_id some_job = *parse_job_id("0123456789abcdef0123456789abcdef");

std::optional<int64_t> result_timestamp(const std::string& timestamp) {
  auto entry = decode_result(some_job, "SUCCEEDED\n" + timestamp + "\nclean");
  if (!entry)
    return std::nullopt;
  return entry->timestamp_ms;
}

} // namespace

TEST_CASE("a number node beyond uint64 is malformed, not an exception",
          "[zk_codec]") {
  // 20 digits passed the old length check and std::stoull threw out of
  // range: any client could end every master that read the node.
  CHECK(decode_number("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(decode_number("18446744073709551616"));
  CHECK_FALSE(decode_number("99999999999999999999"));
  CHECK_FALSE(decode_number("-1"));
  CHECK_FALSE(decode_number("+1"));
  CHECK_FALSE(decode_number(""));
  CHECK_FALSE(decode_change(1, to_string(some_job)
                                 + "\nadded\n99999999999999999999"));
  auto leader = decode_leader_info(
    "18446744073709551616\n00000000-0000-0000-0000-000000000000\nm:1");
  CHECK_FALSE(leader);
}

TEST_CASE("a timestamp node outside int64 is malformed, not wrapped or "
          "negated past its range",
          "[zk_codec]") {
  CHECK(result_timestamp("-9223372036854775808") == INT64_MIN);
  CHECK(result_timestamp("9223372036854775807") == INT64_MAX);
  // Read as -1 before; the next one negated INT64_MIN (undefined).
  CHECK_FALSE(result_timestamp("18446744073709551615"));
  CHECK_FALSE(result_timestamp("9223372036854775808"));
  CHECK_FALSE(result_timestamp("-9223372036854775809"));
  CHECK_FALSE(result_timestamp("99999999999999999999"));
  completed_checkpoint checkpoint;
  CHECK_FALSE(decode_checkpoint_node("99999999999999999999\ncheckpoints/1",
                                     checkpoint));
}

TEST_CASE("a node naming a payload file outside the payload directory is "
          "malformed",
          "[zk_codec]") {
  // The store reads the file a node names and deletes it with the node:
  // whoever can write a node could otherwise read or delete any file.
  job_graph graph;
  graph.name = "g";
  completed_checkpoint checkpoint;
  for (auto file : {"../victim", "jobgraphs/../../victim", "/etc/passwd",
                    "jobgraphs//1", "jobgraphs/", "", ".", "jobgraphs/.x"}) {
    CAPTURE(file);
    job_graph decoded;
    CHECK_FALSE(decode_graph_node(encode_graph_node(graph, file), decoded));
    checkpoint.timestamp_ms = 5;
    CHECK_FALSE(decode_checkpoint_node(
      encode_checkpoint_node(checkpoint, file), checkpoint));
  }
  job_graph decoded;
  CHECK(decode_graph_node(encode_graph_node(graph, "jobgraphs/123"), decoded)
        == "jobgraphs/123");
  auto name = "checkpoints/" + to_string(some_job) + "/18446744073709551615";
  CHECK(decode_checkpoint_node(encode_checkpoint_node(checkpoint, name),
                               checkpoint)
        == name);
}

TEST_CASE("a latch node carries address, priority and whether its contender "
          "stepped down, and reads an older node's bare address",
          "[zookeeper][codec]") {
  CHECK(encode_contender({"a:1"}) == "a:1");
  auto latch = decode_latch(encode_contender({"a:1", -7}, true));
  CHECK(latch.options.address == "a:1");
  CHECK(latch.options.priority == -7);
  CHECK(latch.stepped_down);
  CHECK(decode_latch("a:1").options.address == "a:1");
  CHECK(decode_latch("a:1\n5").options.priority == 5);
  CHECK_FALSE(decode_latch("a:1\n5").stepped_down);
  // Another client's data reads as none, never as something else.
  CHECK(decode_latch("a:1\n99999999999").options.priority == 0);
  CHECK(decode_latch("a:1\n+5").options.priority == 0);
  CHECK(decode_latch("a:1\n5 ").options.priority == 0);
  CHECK_FALSE(decode_latch("a:1\n5\nstepped-down!").stepped_down);
  CHECK(decode_latch("a:\x1b[31m1\n5").options.address.empty());
}

TEST_CASE("a handover node names a sequential latch node or nothing",
          "[zookeeper][codec]") {
  auto name = std::string{"0123456789abcdef-1-1-latch-0000000042"};
  CHECK(decode_handover(encode_handover(name)) == name);
  CHECK_FALSE(decode_handover("../../x-0000000042"));
  CHECK_FALSE(decode_handover("no-sequence"));
  CHECK_FALSE(decode_handover(std::string(300, '1')));
  CHECK_FALSE(decode_handover(""));
}
