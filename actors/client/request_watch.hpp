#pragma once

// A blocking request that fails as soon as its receiver is gone. CAF 0.17
// drops the requests in flight to a peer whose connection is lost without
// answering them, so a blocking caller would otherwise wait for its whole
// timeout. A blocking actor waiting for an answer sees nothing else, so a
// small actor watches the receiver and, should it go down first, answers
// the request in its place.

#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message_id.hpp>
#include <caf/scoped_actor.hpp>

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

} // namespace ha
