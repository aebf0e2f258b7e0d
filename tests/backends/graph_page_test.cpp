// The bounds of one page of job graphs (backends/graph_page.hpp), which
// every backend's job_graphs() applies.

#include "caf_ha/backends/graph_page.hpp"

#include <catch2/catch.hpp>

using namespace ha;

namespace {

job_graph graph_of(size_t payload) {
  job_graph graph;
  graph.payload.assign(payload, 1);
  return graph;
}

} // namespace

TEST_CASE("a page's limit is 1 to max_graph_page_count", "[graph_page]") {
  CHECK(graph_page_builder{0}.limit() == 1);
  CHECK(graph_page_builder{5}.limit() == 5);
  CHECK(graph_page_builder{max_graph_page_count + 1}.limit()
        == max_graph_page_count);
}

TEST_CASE("a page takes graphs until its limit", "[graph_page]") {
  graph_page_builder page{2};
  for (int i = 0; i < 2; ++i) {
    REQUIRE(page.fits(10));
    page.add(graph_of(10), 10);
  }
  CHECK(page.full());
  CHECK_FALSE(page.fits(10));
  auto done = page.finish(false);
  CHECK(done.graphs.size() == 2);
  CHECK_FALSE(done.complete);
}

TEST_CASE("a page takes graphs up to its byte bound, and always one",
          "[graph_page]") {
  graph_page_builder page{max_graph_page_count};
  CHECK(page.fits(max_record_payload * 2));
  page.add(graph_of(1), max_graph_page_bytes - 100);
  CHECK(page.fits(100));
  CHECK_FALSE(page.fits(101));
}

TEST_CASE("a graph's page bytes bound its serialized size", "[graph_page]") {
  auto graph = graph_of(100);
  graph.name = "abc";
  graph.metadata = {{"k", "vv"}, {"key", ""}};
  // 100 + 3 + 3 + 3 bytes of data, then the id and length prefixes.
  CHECK(graph_page_bytes(graph) == graph_page_bytes(109, 2));
  CHECK(graph_page_bytes(109, 2) > 109 + 16 + 2 * 2 + 3);
}
