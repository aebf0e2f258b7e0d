#pragma once

#include <functional>
#include <optional>
#include <string>

#include <caf/error.hpp>

#include "caf_ha/messages/metadata.hpp"

namespace ha {

/// What an in-process election currently grants, as the memory metadata
/// store checks fences against it (modes NONE and embedded; sqlite and
/// ZooKeeper check in their own storage instead).
class grant_authority {
public:
  virtual ~grant_authority() = default;

  /// Runs `write` and returns its result if `fence.epoch` is the epoch the
  /// election currently grants `fence.component` (canonical), while no grant
  /// can change. Otherwise runs nothing and returns errc::fenced for an
  /// epoch it issued that is no longer current, errc::invalid_argument for
  /// one it never issued for that component; both name component and epoch.
  virtual caf::error run_fenced(const fencing_token& fence,
                                const std::function<caf::error()>& write)
    = 0;
};

/// What an in-process election remembers of one component's grants.
struct grant_state {
  epoch_t last_issued = 0;
  std::optional<epoch_t> current;

  /// None if `epoch` is the current grant; otherwise the refusal of
  /// `grant_authority::run_fenced` for `fence`. `state` is null for a
  /// component that never had a grant.
  static caf::error check(const grant_state* state,
                          const fencing_token& fence);
};

/// Where a durable arbiter records its current grants, so that stores on
/// other connections check fences against them. Components are canonical.
struct grant_recorder {
  /// Forgets every grant: after a restart no old epoch is current.
  std::function<caf::error()> clear;
  /// `component` is led with `epoch` from now on (replacing any grant).
  std::function<caf::error(const std::string& component, epoch_t epoch)>
    grant;
  /// `component` has no leader from now on.
  std::function<caf::error(const std::string& component)> release;
};

} // namespace ha
