#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "caf_ha/messages/leader_info.hpp"

namespace ha {

class journal;

using journal_fields = std::vector<std::pair<std::string, std::string>>;

/// What a service actor uses to journal its messages: every call does
/// nothing unless the actor was spawned with a journal, so the actors call
/// it unconditionally.
class journal_hook {
public:
  journal_hook() = default;

  /// `actor` names the actor in every record, e.g. `elector/dispatcher`,
  /// followed by `@<node>` if the journal is shared by several processes.
  journal_hook(std::shared_ptr<journal> sink, std::string actor);

  /// True if the actor was spawned with a journal.
  bool active() const {
    return sink_ != nullptr;
  }

  void in(const std::string& peer, const std::string& kind,
          journal_fields fields = {}) const;

  void out(const std::string& peer, const std::string& kind,
           journal_fields fields = {}) const;

  /// The stable name of `addr`, of the given kind if first seen now.
  std::string name(const caf::actor_addr& addr, const std::string& kind) const;

  /// Journals a join or leave of `member` by the sender of the current
  /// message, as `kind` with the field `<member_kind>=<name>`, and returns
  /// the sender's name, the peer of the reply, and `extra` fields after
  /// it. The member is named first, so that an actor joining itself is
  /// journaled as, e.g., `listener#n`.
  std::string membership(caf::local_actor* self, const std::string& kind,
                         const caf::actor_addr& member,
                         const std::string& member_kind,
                         journal_fields extra = {}) const;

  /// The stable name of the sender of the current message (`client#n` if
  /// the journal has not seen it before, `self` for the actor itself).
  std::string sender(caf::local_actor* self) const;

private:
  void append(const std::string& direction, const std::string& peer,
              const std::string& kind, journal_fields fields) const;

  std::shared_ptr<journal> sink_;
  std::string actor_;
};

/// The peer name of messages to and from a backend driver.
constexpr const char* driver_peer = "driver";

// -- field codecs shared by the actors (writing) and the replay (reading) ----

journal_fields leader_fields(const leader_info& x);

/// nullopt unless every field of `leader_fields` is present and valid.
std::optional<leader_info> leader_from(const journal_fields& fields);

/// An error as category, code and context text, so that the replay can
/// rebuild an error that renders the same; no fields for none.
journal_fields error_fields(const caf::error& x);

/// The error of `error_fields`; none without a code.
caf::error error_from(const journal_fields& fields);

} // namespace ha
