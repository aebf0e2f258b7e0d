#pragma once

#include <optional>
#include <string>

#include "caf_ha/backends/metadata_store.hpp"
#include "caf_ha/messages/election.hpp"
#include "caf_ha/messages/leader_info.hpp"

namespace ha {

/// `connection_info` as text (`epoch`, session id, address on three lines),
/// so an operator can read it with zkCli.
std::string encode_leader_info(const leader_info& info);

std::optional<leader_info> decode_leader_info(const std::string& data);

/// A latch node's data: what its contender declared, as text: the address;
/// on a second line the priority, unless it is 0 and the third line is
/// absent; on a third, `stepped-down` if the contender queued again after
/// stepping down (fail-back does not count it).
std::string encode_contender(const contender_options& options,
                             bool stepped_down = false);

/// What a latch node says.
struct latch_data {
  contender_options options;
  bool stepped_down = false;
};

/// An address a leader could not publish, or a priority that is no 32-bit
/// decimal (written by another client), reads as none (empty, 0).
latch_data decode_latch(const std::string& data);

/// `decode_latch(data).options`.
contender_options decode_contender(const std::string& data);

/// A handover node's data: the name of the latch node to lead next.
std::string encode_handover(const std::string& latch_name);

/// The latch node a handover node names; nullopt unless it is a name such
/// as ZooKeeper gives sequential nodes (no '/', ends in ten digits, at most
/// 255 bytes).
std::optional<std::string> decode_handover(const std::string& data);

/// The sequence number that ZooKeeper appended to a sequential node's name
/// (its last ten digits); nullopt if there is none.
std::optional<uint64_t> sequence_of(const std::string& name);

/// Orders sequential nodes' names by their sequence numbers.
bool by_sequence(const std::string& x, const std::string& y);

/// A job graph's node: everything but the payload, and the payload file.
std::string encode_graph_node(const job_graph& graph, const std::string& file);

/// Fills all of `graph` but the payload; returns the payload file, or
/// nullopt (corrupted) on bad data, including a file name that is not one
/// `zk_payloads` gives (a relative path of letters, digits, '_' and '-').
std::optional<std::string> decode_graph_node(const std::string& data,
                                             job_graph& graph);

std::string encode_result(const job_result_entry& entry);

std::optional<job_result_entry> decode_result(const job_id& id,
                                              const std::string& data);

std::string encode_change(const job_graph_change& change);

std::optional<job_graph_change> decode_change(uint64_t sequence,
                                              const std::string& data);

/// A retained checkpoint's node: timestamp and metadata file.
std::string encode_checkpoint_node(const completed_checkpoint& checkpoint,
                                   const std::string& file);

/// Fills the timestamp; returns the file, checked like `decode_graph_node`'s.
std::optional<std::string> decode_checkpoint_node(const std::string& data,
                                                  completed_checkpoint& out);

/// A decimal number node (counters, fencing epochs): digits only, within
/// uint64.
std::optional<uint64_t> decode_number(const std::string& data);

} // namespace ha
