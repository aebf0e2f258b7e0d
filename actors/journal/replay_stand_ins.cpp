#include "caf_ha/actors/journal/replay_stand_ins.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include <caf/event_based_actor.hpp>


namespace ha {

caf::behavior stand_in(caf::event_based_actor* self) {
  self->set_error_handler([](caf::error&) {});
  // Answers a request as a handler returning void would.
  self->set_default_handler(
    [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      return caf::message{};
    });
  return {
    [](caf::ok_atom) {},
  };
}

void recorded_grants::follow(const journal_record& x) {
  constexpr std::string_view prefix = "elector/";
  if (x.direction != "out" || x.actor.compare(0, prefix.size(), prefix) != 0)
    return;
  auto name = x.actor.substr(prefix.size());
  auto component = name.substr(0, name.find('@'));
  std::lock_guard<std::mutex> guard{mtx_};
  auto& entry = components_[component];
  if (x.kind == "grant") {
    // A record that does not parse fails the replay at that record anyway,
    // when the elector's reply is compared.
    auto& text = x.field("epoch");
    epoch_t epoch = 0;
    std::from_chars(text.data(), text.data() + text.size(), epoch);
    entry.current = epoch;
    entry.last_issued = std::max(entry.last_issued, epoch);
  } else if (x.kind == "revoke" || x.kind == "election_error") {
    entry.current.reset();
  }
}

caf::error recorded_grants::run_fenced(
  const fencing_token& fence, const std::function<caf::error()>& write) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = components_.find(fence.component);
  if (auto err = grant_state::check(
        i == components_.end() ? nullptr : &i->second, fence))
    return err;
  return write();
}

} // namespace ha
