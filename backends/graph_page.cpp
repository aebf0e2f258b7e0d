#include "caf_ha/backends/graph_page.hpp"

#include <algorithm>
#include <utility>

namespace ha {

namespace {

/// A job id, and a length prefix of up to 5 bytes before the name, the
/// payload and the metadata map.
constexpr size_t per_graph = 16 + 3 * 5;

/// A length prefix before each key and each value.
constexpr size_t per_metadata_entry = 2 * 5;

} // namespace

size_t graph_page_bytes(size_t record_bytes, size_t metadata_entries) {
  return record_bytes + per_graph + per_metadata_entry * metadata_entries;
}

size_t graph_page_bytes(const job_graph& graph) {
  auto bytes = graph.name.size() + graph.payload.size();
  for (auto& [key, value] : graph.metadata)
    bytes += key.size() + value.size();
  return graph_page_bytes(bytes, graph.metadata.size());
}

graph_page_builder::graph_page_builder(uint32_t limit)
  : limit_(std::clamp<uint32_t>(limit, 1, max_graph_page_count)) {}

bool graph_page_builder::fits(size_t bytes) const {
  if (page_.graphs.empty())
    return true;
  return !full() && bytes_ + bytes <= max_graph_page_bytes;
}

bool graph_page_builder::full() const {
  return page_.graphs.size() >= limit_;
}

void graph_page_builder::add(job_graph graph, size_t bytes) {
  page_.graphs.push_back(std::move(graph));
  bytes_ += bytes;
}

job_graph_page graph_page_builder::finish(bool complete) {
  page_.complete = complete;
  return std::move(page_);
}

} // namespace ha
