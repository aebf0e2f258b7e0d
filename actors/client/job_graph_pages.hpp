#pragma once

#include <optional>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "caf_ha/messages/stores.hpp"

namespace ha {

namespace detail {

template <class Self, class OnPage, class Done>
void request_graph_page(Self* self, const job_graph_store_actor& store,
                        caf::timespan timeout, std::optional<job_id> after,
                        uint32_t limit, OnPage on_page, Done done) {
  auto on_reply = [=](job_graph_page& page) mutable {
    if (page.graphs.empty()) {
      done(caf::error{});
      return;
    }
    auto last = page.graphs.back().id;
    if (!on_page(page.graphs) || page.complete) {
      done(caf::error{});
      return;
    }
    request_graph_page(self, store, timeout, last, limit, on_page, done);
  };
  auto on_error = [=](caf::error& err) mutable { done(std::move(err)); };
  if (after)
    self->request(store, timeout, caf::get_atom::value, graph_page_atom::value,
                  *after, limit)
      .then(on_reply, on_error);
  else
    self->request(store, timeout, caf::get_atom::value, graph_page_atom::value,
                  limit)
      .then(on_reply, on_error);
}

} // namespace detail

/// Recovers every job graph of `store` from an event-based actor, a page of
/// up to `limit` graphs per request instead of one request per graph.
/// `on_page(std::vector<job_graph>&)` sees each page in job id order and
/// returns false to stop early; then `done(const caf::error&)` runs once:
/// with none after the last page or the stop (the caller knows why it
/// stopped), else with the error of the request that failed. A graph put while this runs may be missed if its id
/// sorts before the current page, as with any listing.
template <class Self, class OnPage, class Done>
void recover_job_graphs(Self* self, const job_graph_store_actor& store,
                        caf::timespan timeout, OnPage on_page, Done done,
                        uint32_t limit = max_graph_page_count) {
  detail::request_graph_page(self, store, timeout, std::nullopt, limit,
                             std::move(on_page), std::move(done));
}

} // namespace ha
