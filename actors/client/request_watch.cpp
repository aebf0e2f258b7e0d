#include "caf_ha/actors/client/request_watch.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/send.hpp>

#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

caf::behavior watcher(caf::event_based_actor* self,
                      caf::strong_actor_ptr requester,
                      caf::message_id response_id,
                      caf::strong_actor_ptr receiver) {
  self->monitor(receiver);
  self->set_down_handler([=](const caf::down_msg& msg) {
    requester->enqueue(caf::make_mailbox_element(nullptr, response_id, {},
                                                 receiver_gone(msg.reason)),
                       self->context());
    self->quit();
  });
  // Ends on the owner's exit message. CAF 0.17 keeps a monitor on the
  // receiver until the receiver ends, not the watcher: drop it, or every
  // watched request of a long-lived process would leave one behind.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    self->demonitor(receiver->address());
    self->quit(msg.reason);
  });
  return {
    [](caf::ok_atom) {},
  };
}

} // namespace

caf::error receiver_gone(const caf::error& reason) {
  if (reason == caf::exit_reason::remote_link_unreachable)
    return make_error(errc::backend_unavailable,
                      "lost the connection to ha-node before it answered "
                      "(the request may or may not have taken effect)");
  return caf::make_error(caf::sec::request_receiver_down, to_string(reason));
}

caf::error why_unanswered(caf::error err,
                          const caf::strong_actor_ptr& receiver) {
  if (err != caf::sec::request_receiver_down || !receiver)
    return err;
  // Local actors and proxies alike keep why they ended.
  auto actor = dynamic_cast<caf::monitorable_actor*>(receiver->get());
  return actor ? receiver_gone(actor->fail_state()) : err;
}

request_watch::request_watch(caf::blocking_actor& self,
                             caf::strong_actor_ptr receiver,
                             caf::message_id response_id) {
  if (receiver)
    watcher_ = self.system().spawn(watcher,
                                   caf::strong_actor_ptr{self.ctrl()},
                                   response_id, std::move(receiver));
}

request_watch::~request_watch() {
  if (watcher_)
    caf::anon_send_exit(watcher_, caf::exit_reason::user_shutdown);
}

} // namespace ha
