#include "tests/bench/bench_clients.hpp"

#include <stdexcept>

#include <caf/all.hpp>

#include "tests/bench/bench_support.hpp"

namespace ha::bench {

namespace {

void client_step(caf::event_based_actor* self,
                 std::shared_ptr<const issue_fn> issue, size_t i,
                 size_t stride, size_t n, caf::actor done) {
  if (i >= n) {
    self->send(done, caf::ok_atom::value);
    self->quit();
    return;
  }
  (*issue)(self, i, [=] { client_step(self, issue, i + stride, stride, n,
                                      done); });
}

} // namespace

double run_clients(caf::actor_system& sys, size_t clients, size_t items,
                   issue_fn issue, std::chrono::seconds timeout) {
  auto shared = std::make_shared<const issue_fn>(std::move(issue));
  caf::scoped_actor waiter{sys};
  auto done = caf::actor_cast<caf::actor>(waiter);
  auto start = bench_clock::now();
  for (size_t c = 0; c < clients; ++c)
    sys.spawn([=](caf::event_based_actor* self) {
      client_step(self, shared, c, clients, items, done);
    });
  size_t finished = 0;
  bool timed_out = false;
  waiter->receive_while([&] { return finished < clients && !timed_out; })(
    [&](caf::ok_atom) { ++finished; },
    caf::after(timeout) >> [&] { timed_out = true; });
  if (timed_out)
    throw std::runtime_error("clients did not finish in time");
  return seconds_since(start);
}

} // namespace ha::bench
