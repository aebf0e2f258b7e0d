#pragma once

// What the replay (actors/replay.cpp) puts in place of the recorded world:
// a backend that does nothing, file I/O confined to the replay's scratch
// directory, and stand-ins for the recorded peers. Not for use elsewhere.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/fwd.hpp>

#include "actors/journal.hpp"
#include "backends/blob_storage.hpp"
#include "backends/election_driver.hpp"
#include "backends/grant_authority.hpp"
#include "backends/retrieval_driver.hpp"
#include "messages/errors.hpp"

namespace ha {

/// The replayed actors' backend. The journal holds what the backend told
/// them, and the actors journal their calls into it themselves, so the
/// calls need no effect.
class silent_driver : public election_driver, public retrieval_driver {
public:
  void join(const std::string&, uint64_t,
            election_events_actor events) override {
    inbox = caf::actor_cast<caf::actor>(events);
  }
  void leave(const std::string&, uint64_t) override {
    // nop
  }
  void publish(const std::string&, uint64_t, const leader_info&) override {
    // nop
  }
  void subscribe(const std::string&, listener_actor sink) override {
    inbox = caf::actor_cast<caf::actor>(sink);
  }
  void unsubscribe(const std::string&, const listener_actor&) override {
    // nop
  }

  /// Where the replayed actor takes its driver's reports (its private
  /// inbox), once it told the driver.
  caf::actor inbox;
};

/// The grants of the recorded elections, against which the replayed stores
/// check fences. They follow the recorded electors' own `grant`, `revoke`
/// and `election_error` records, so that a fenced write replays with the
/// verdict it had when recorded (stores on a memory backend would otherwise
/// know no election at all).
class recorded_grants : public grant_authority {
public:
  /// Takes note of `x` if it is a grant or the end of one.
  void follow(const journal_record& x);

  caf::error run_fenced(const fencing_token& fence,
                        const std::function<caf::error()>& write) override;

private:
  struct grant {
    std::optional<epoch_t> current;
    epoch_t last_issued = 0;
  };

  std::mutex mtx_;
  std::map<std::string, grant> components_;
};

/// The replayed blob stores' file I/O: only below the replay's scratch
/// directory. A recorded put or get by path names a file of the recorded
/// host; the replay must neither read nor overwrite a file of this one.
class confined_storage : public blob_storage {
public:
  confined_storage(std::shared_ptr<blob_storage> base, std::string root)
    : base_(std::move(base)), root_(std::move(root)) {
    // nop
  }

  caf::expected<std::unique_ptr<blob_reader>>
  open_read(const std::string& path) override {
    if (auto err = check(path))
      return err;
    return base_->open_read(path);
  }

  caf::expected<std::unique_ptr<blob_writer>>
  create(const std::string& dir) override {
    if (auto err = check(dir))
      return err;
    return base_->create(dir);
  }

  caf::error make_dirs(const std::string& dir) override {
    if (auto err = check(dir))
      return err;
    return base_->make_dirs(dir);
  }

  caf::error remove(const std::string& path) override {
    if (auto err = check(path))
      return err;
    return base_->remove(path);
  }

  caf::error remove_all(const std::string& dir) override {
    if (auto err = check(dir))
      return err;
    return base_->remove_all(dir);
  }

private:
  caf::error check(const std::string& path) const {
    if (path == root_ || path.rfind(root_ + "/", 0) == 0)
      return caf::none;
    return make_error(errc::permission_denied,
                      "a replay touches no file outside its scratch "
                      "directory: '" + path + "'");
  }

  std::shared_ptr<blob_storage> base_;
  std::string root_;
};

/// Stands in for a recorded peer: takes whatever the replayed actor sends,
/// which that actor journals. It takes every message, replies included,
/// because an unhandled one would bounce back to the service as an error
/// and end it.
caf::behavior stand_in(caf::event_based_actor* self);

} // namespace ha
