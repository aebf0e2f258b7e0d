#pragma once

// A blocking request that fails as soon as its receiver is gone. CAF 0.17
// drops the requests in flight to a peer whose connection is lost without
// answering them, so a blocking caller would otherwise wait for its whole
// timeout. A blocking actor waiting for an answer sees nothing else, so a
// small actor watches the receiver and, should it go down first, answers
// the request in its place.

#include <deque>
#include <memory>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message_id.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/timespan.hpp>

namespace ha {

/// Watches `receiver` for the request `response_id` of `self` while it
/// lives. If the receiver goes down first, `self` gets the answer
/// `backend_unavailable` ("lost the connection to ha-node ...") when its
/// connection was lost, or CAF's request_receiver_down otherwise.
class request_watch {
public:
  request_watch(caf::blocking_actor& self, caf::strong_actor_ptr receiver,
                caf::message_id response_id);
  ~request_watch();

  request_watch(const request_watch&) = delete;
  request_watch& operator=(const request_watch&) = delete;

private:
  caf::actor watcher_;
};

/// The error a request gets when its receiver went down for `reason`.
caf::error receiver_gone(const caf::error& reason);

/// `err` as the caller should see it: CAF answers a request to a receiver
/// that is gone already with request_receiver_down, which becomes the error
/// of `receiver_gone` for the reason it went.
caf::error why_unanswered(caf::error err, const caf::strong_actor_ptr& receiver);

/// Sends a request from `self` and waits for its single answer: the answer,
/// its error, request_timeout after `timeout`, or the error of
/// `receiver_gone` as soon as `dest` is gone.
template <class R, class Handle, class Timeout, class... Ts>
caf::expected<R> watched_request(caf::scoped_actor& self, const Handle& dest,
                                 Timeout timeout, Ts&&... xs) {
  caf::expected<R> result = caf::sec::request_timeout;
  auto receiver = caf::actor_cast<caf::strong_actor_ptr>(dest);
  auto pending = self->request(dest, timeout, std::forward<Ts>(xs)...);
  request_watch watch{*self.ptr(), receiver, pending.id()};
  pending.receive([&](R& x) { result = std::move(x); },
                  [&](caf::error& err) {
                    result = why_unanswered(std::move(err), receiver);
                  });
  return result;
}

/// Requests from `self` to one receiver with up to `depth` in flight, so
/// that the next is on its way while the receiver works on the last: CAF
/// delivers one sender's messages in order, and a receiver that answers in
/// order keeps them so. Each answer is awaited as with `watched_request`.
template <class R, class Handle>
class request_window {
public:
  request_window(caf::scoped_actor& self, const Handle& dest,
                 caf::timespan timeout, size_t depth)
    : self_(self),
      dest_(dest),
      receiver_(caf::actor_cast<caf::strong_actor_ptr>(dest)),
      timeout_(timeout),
      depth_(depth > 0 ? depth : 1) {}

  bool full() const {
    return pending_.size() >= depth_;
  }

  bool empty() const {
    return pending_.empty();
  }

  template <class... Ts>
  void send(Ts&&... xs) {
    auto id = self_->request(dest_, timeout_, std::forward<Ts>(xs)...).id();
    pending_.push_back(
      {id, std::make_unique<request_watch>(*self_.ptr(), receiver_, id)});
  }

  /// The answer to the oldest request in flight; not when empty.
  caf::expected<R> receive() {
    auto oldest = std::move(pending_.front());
    pending_.pop_front();
    caf::expected<R> result = caf::sec::request_timeout;
    caf::blocking_actor::accept_one_cond one;
    self_->varargs_receive(
      one, oldest.id, [&](R& x) { result = std::move(x); },
      [&](caf::error& err) {
        result = why_unanswered(std::move(err), receiver_);
      });
    return result;
  }

private:
  struct in_flight {
    caf::message_id id;
    std::unique_ptr<request_watch> watch;
  };

  caf::scoped_actor& self_;
  Handle dest_;
  caf::strong_actor_ptr receiver_;
  caf::timespan timeout_;
  size_t depth_;
  std::deque<in_flight> pending_;
};

} // namespace ha
