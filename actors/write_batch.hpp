#pragma once

#include <functional>
#include <utility>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/typed_response_promise.hpp>

#include "caf_ha/actors/journal/store_journal.hpp"
#include "caf_ha/backends/metadata_store.hpp"

namespace ha {

/// Group commit for a store actor. Writes that arrive while the actor is
/// busy join one batch; the actor applies it with one
/// `metadata_store::apply` (one transaction, one fsync) when the flush
/// message it sent itself comes up, behind every write queued before it.
/// A write that finds the mailbox empty has nobody to wait for: its batch is
/// applied at once, without the flush message. No write is acknowledged
/// before its batch is durable.
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

  /// Applies the batch, calls `applied`, then answers every write in it.
  template <class F>
  void flush(metadata_store& store, F applied) {
    auto ops = std::move(ops_);
    auto done = std::move(done_);
    ops_.clear();
    done_.clear();
    auto errors = store.apply(ops);
    applied();
    for (size_t i = 0; i < ops.size(); ++i)
      done[i](errors[i], ops[i]);
  }

private:
  std::vector<write_op> ops_;
  std::vector<callback> done_;
};

/// Answers with `err` the request being handled, journaling the answer.
template <class Self>
caf::error reject(Self* self, caf::error err) {
  auto& log = self->state.log;
  if (log.hook.active())
    journal_out(log, log.peer, err);
  return err;
}

/// Applies the batch while handling a write, journaling the flush as if
/// the actor had sent it to itself, so that a replay applies the batch at
/// the same point.
template <class Self>
void flush_now(Self* self) {
  auto& st = self->state;
  st.batch.flush(*st.cfg.store, [self] {
    auto& log = self->state.log;
    if (!log.hook.active())
      return;
    auto msg = caf::make_message(caf::flush_atom::value);
    log.hook.in("self", "flush",
                message_fields(self->system(), msg.content(), true));
  });
}

/// Queues `op` in `self->state.batch` and returns the promise of its answer:
/// `extract(op)` once durable, or the op's error.
template <class Out, class Self, class Op, class Extract>
caf::typed_response_promise<Out> submit(Self* self, Op op, Extract extract) {
  auto rp = self->template make_response_promise<Out>();
  auto peer = self->state.log.peer;
  auto done = [self, rp, extract, peer](caf::error& err,
                                        write_op& applied) mutable {
    auto& log = self->state.log;
    if (err) {
      if (log.hook.active())
        journal_out(log, peer, err);
      rp.deliver(std::move(err));
      return;
    }
    auto result = extract(std::get<Op>(applied));
    if (log.hook.active())
      journal_out(self->system(), log, peer, caf::make_message(result));
    rp.deliver(std::move(result));
  };
  if (self->state.batch.add(std::move(op), std::move(done))
      && !self->state.cfg.replaying) {
    if (self->mailbox().empty())
      flush_now(self);
    else
      self->send(self, caf::flush_atom::value);
  }
  return rp;
}

/// As `submit`, for writes answered with `ok`.
template <class Self, class Op>
caf::typed_response_promise<caf::ok_atom> submit_ok(Self* self, Op op) {
  return submit<caf::ok_atom>(self, std::move(op),
                              [](const Op&) { return caf::ok_atom::value; });
}

/// Applies the batch on the flush message. The flush is journaled once the
/// batch is durable, so that a replay applies it where other processes
/// could first see it.
template <class Self>
void flush_batch(Self* self) {
  auto& st = self->state;
  st.batch.flush(*st.cfg.store, [self] { journal_request(self); });
}

/// The answer to a read: the value, or the backend's error; journaled.
template <class Self, class T>
caf::result<T> reply(Self* self, caf::expected<T> x) {
  if (x)
    return journal_reply(self, std::move(*x));
  return reject(self, std::move(x.error()));
}

} // namespace ha
