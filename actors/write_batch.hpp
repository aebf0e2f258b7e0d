#pragma once

#include <functional>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include "backends/metadata_store.hpp"

namespace ha {

/// Group commit for a store actor. Writes that arrive while the actor is
/// busy join one batch; the actor applies it with one
/// `metadata_store::apply` (one transaction, one fsync) when the flush
/// message it sent itself comes up, behind every write queued before it.
/// No write is acknowledged before its batch is durable.
class write_batch {
public:
  using callback = std::function<void(caf::error&, write_op&)>;

  /// Queues `op`; true if it opened a new batch, so that the caller must
  /// send itself a flush message.
  bool add(write_op op, callback done) {
    ops_.push_back(std::move(op));
    done_.push_back(std::move(done));
    return ops_.size() == 1;
  }

  /// Applies the batch and answers every write in it.
  void flush(metadata_store& store) {
    auto ops = std::move(ops_);
    auto done = std::move(done_);
    ops_.clear();
    done_.clear();
    auto errors = store.apply(ops);
    for (size_t i = 0; i < ops.size(); ++i)
      done[i](errors[i], ops[i]);
  }

private:
  std::vector<write_op> ops_;
  std::vector<callback> done_;
};

/// Queues `op` in `self->state.batch` and returns the promise of its answer:
/// `extract(op)` once durable, or the op's error.
template <class Out, class Self, class Op, class Extract>
caf::typed_response_promise<Out> submit(Self* self, Op op, Extract extract) {
  auto rp = self->template make_response_promise<Out>();
  auto done = [rp, extract](caf::error& err, write_op& applied) mutable {
    if (err)
      rp.deliver(std::move(err));
    else
      rp.deliver(extract(std::get<Op>(applied)));
  };
  if (self->state.batch.add(std::move(op), std::move(done)))
    self->send(self, caf::flush_atom::value);
  return rp;
}

/// As `submit`, for writes answered with `ok`.
template <class Self, class Op>
caf::typed_response_promise<caf::ok_atom> submit_ok(Self* self, Op op) {
  return submit<caf::ok_atom>(self, std::move(op),
                              [](const Op&) { return caf::ok_atom::value; });
}

/// The answer to a read: the value, or the backend's error.
template <class T>
caf::result<T> reply(caf::expected<T> x) {
  if (x)
    return std::move(*x);
  return std::move(x.error());
}

} // namespace ha
