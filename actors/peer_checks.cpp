#include "caf_ha/actors/peer_checks.hpp"

#include <map>
#include <mutex>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/local_actor.hpp>
#include <caf/message_view.hpp>
#include <caf/node_id.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>
#include <caf/type_erased_tuple.hpp>

#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

struct peer_warnings::seen_nodes {
  std::set<caf::node_id> nodes;
  bool anonymous = false;
};

peer_warnings::peer_warnings(std::string actor_name)
  : actor_name_(std::move(actor_name)), seen_(std::make_shared<seen_nodes>()) {
}

void peer_warnings::warn_once(caf::local_actor* self, const std::string& what) {
  auto& sender = self->current_sender();
  if (sender == nullptr) {
    if (std::exchange(seen_->anonymous, true))
      return;
  } else {
    if (seen_->nodes.size() >= max_remembered
        || !seen_->nodes.insert(sender->node()).second)
      return;
  }
  auto from = sender == nullptr ? std::string{"an anonymous sender"}
                                : "node " + caf::to_string(sender->node());
  logger("net")->warn("{} dropped {} from {} (further ones from there are "
                      "dropped silently)",
                      actor_name_, what, from);
}

namespace {

/// The leading atom and the size of a message: never its payload, which a
/// peer may have made huge.
std::string describe_shape(const caf::type_erased_tuple& content) {
  std::string result = std::to_string(content.size()) + " elements";
  if (content.size() > 0 && content.match_element<caf::atom_value>(0))
    result = "'" + caf::to_string(content.get_as<caf::atom_value>(0)) + "', "
             + result;
  return result;
}

} // namespace

void refuse_unexpected(caf::scheduled_actor* self, std::string actor_name) {
  peer_warnings warnings{std::move(actor_name)};
  self->set_default_handler(
    [warnings](caf::scheduled_actor* ptr,
               caf::message_view& msg) mutable -> caf::result<caf::message> {
      warnings.warn_once(ptr, "a message outside its protocol ("
                                + describe_shape(msg.content()) + ")");
      return caf::sec::unexpected_message;
    });
}

bool from_this_process(caf::local_actor* self, const char* kind) {
  auto& sender = self->current_sender();
  if (sender == nullptr || sender->node() == self->node())
    return true;
  // Shared by every store of the process, on their own threads.
  static std::mutex mtx;
  static std::map<std::string, peer_warnings> by_kind;
  std::lock_guard<std::mutex> guard{mtx};
  auto i = by_kind.try_emplace(kind, peer_warnings{self->name()}).first;
  i->second.warn_once(self, std::string{"a '"} + kind
                              + "' that only it may send itself");
  return false;
}

caf::error check_own_member(caf::local_actor* self,
                            const caf::actor_addr& member,
                            const std::string& what) {
  auto& sender = self->current_sender();
  if (sender != nullptr && member && sender->node() == member.node())
    return caf::none;
  return make_error(errc::permission_denied,
                    "only the process of the " + what + " may do that");
}

} // namespace ha
