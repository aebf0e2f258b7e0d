#pragma once

#include <cstddef>
#include <cstdint>

#include "caf_ha/messages/metadata.hpp"

namespace ha {

/// What a graph counts against max_graph_page_bytes: its name, metadata
/// and payload, plus a bound on what serializing them adds (the id and a
/// length before each string). With the limits on a stored graph
/// (max_record_payload, max_graph_metadata_entries), a page stays under the
/// size of a message a peer accepts.
size_t graph_page_bytes(size_t record_bytes, size_t metadata_entries);
size_t graph_page_bytes(const job_graph& graph);

/// Fills one job_graph_page within its bounds: at most `limit` graphs (at
/// most max_graph_page_count), and no more than max_graph_page_bytes unless
/// the page holds a single graph.
class graph_page_builder {
public:
  explicit graph_page_builder(uint32_t limit);

  /// Whether a graph of `bytes` (see graph_page_bytes) may still join.
  bool fits(size_t bytes) const;

  /// Whether the page holds `limit()` graphs: no other may join.
  bool full() const;

  void add(job_graph graph, size_t bytes);

  /// The page; `complete` if no graph follows its last one.
  job_graph_page finish(bool complete);

  /// The most graphs this page may hold.
  uint32_t limit() const {
    return limit_;
  }

private:
  uint32_t limit_;
  size_t bytes_ = 0;
  job_graph_page page_;
};

} // namespace ha
