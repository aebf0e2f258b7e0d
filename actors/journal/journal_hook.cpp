#include "caf_ha/actors/journal/journal_hook.hpp"

#include <caf/atom.hpp>
#include <caf/local_actor.hpp>
#include <caf/make_message.hpp>

#include "caf_ha/actors/journal/journal.hpp"

namespace ha {

journal_hook::journal_hook(std::shared_ptr<journal> sink, std::string actor)
  : sink_(std::move(sink)), actor_(std::move(actor)) {
  if (sink_ && !sink_->node().empty())
    actor_ += "@" + sink_->node();
}

void journal_hook::in(const std::string& peer, const std::string& kind,
                      journal_fields fields) const {
  append("in", peer, kind, std::move(fields));
}

void journal_hook::out(const std::string& peer, const std::string& kind,
                       journal_fields fields) const {
  append("out", peer, kind, std::move(fields));
}

std::string journal_hook::name(const caf::actor_addr& addr,
                               const std::string& kind) const {
  return sink_ ? sink_->name_of(addr, kind) : std::string{};
}

std::string journal_hook::membership(caf::local_actor* self,
                                     const std::string& kind,
                                     const caf::actor_addr& member,
                                     const std::string& member_kind,
                                     journal_fields extra) const {
  if (!sink_)
    return {};
  auto name = this->name(member, member_kind);
  auto peer = sender(self);
  extra.insert(extra.begin(), {member_kind, std::move(name)});
  in(peer, kind, std::move(extra));
  return peer;
}

std::string journal_hook::sender(caf::local_actor* self) const {
  if (!sink_)
    return {};
  auto& from = self->current_sender();
  if (from == self->ctrl())
    return "self";
  return sink_->name_of(caf::actor_cast<caf::actor_addr>(from), "client");
}

void journal_hook::append(const std::string& direction,
                          const std::string& peer, const std::string& kind,
                          journal_fields fields) const {
  if (!sink_)
    return;
  journal_record x;
  x.actor = actor_;
  x.direction = direction;
  x.peer = peer;
  x.kind = kind;
  x.fields = std::move(fields);
  sink_->append(std::move(x));
}

journal_fields leader_fields(const leader_info& x) {
  return {{"address", x.address},
          {"session", to_string(x.session)},
          {"epoch", std::to_string(x.epoch)}};
}

std::optional<leader_info> leader_from(const journal_fields& fields) {
  leader_info result;
  size_t found = 0;
  for (auto& [key, value] : fields) {
    if (key == "address") {
      result.address = value;
      ++found;
    } else if (key == "session") {
      auto session = parse_session_id(value);
      if (!session)
        return std::nullopt;
      result.session = *session;
      ++found;
    } else if (key == "epoch") {
      try {
        result.epoch = std::stoull(value);
      } catch (const std::exception&) {
        return std::nullopt;
      }
      ++found;
    }
  }
  if (found != 3)
    return std::nullopt;
  return result;
}

journal_fields error_fields(const caf::error& x) {
  if (!x)
    return {};
  std::string context;
  if (x.context().match_elements<std::string>())
    context = x.context().get_as<std::string>(0);
  return {{"category", caf::to_string(x.category())},
          {"code", std::to_string(x.code())},
          {"context", context}};
}

caf::error error_from(const journal_fields& fields) {
  std::string category;
  std::string context;
  int code = 0;
  for (auto& [key, value] : fields) {
    if (key == "category")
      category = value;
    else if (key == "context")
      context = value;
    else if (key == "code")
      code = std::atoi(value.c_str());
  }
  if (code == 0)
    return caf::none;
  auto context_msg = context.empty() ? caf::message{}
                                     : caf::make_message(context);
  return caf::error{static_cast<uint8_t>(code),
                    caf::atom_from_string(category), std::move(context_msg)};
}

} // namespace ha
