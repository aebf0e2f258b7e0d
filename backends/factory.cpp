#include "backends/factory.hpp"

#include <boost/uuid/random_generator.hpp>

#include "backends/memory/fixed_leaders.hpp"
#include "backends/memory/memory_election.hpp"
#include "config/config.hpp"
#include "messages/errors.hpp"

namespace ha {

namespace {

/// Electors run on many threads; boost's generator is not thread-safe.
session_id random_session_id() {
  thread_local boost::uuids::random_generator gen;
  return gen();
}

backend make_none(const config& cfg) {
  auto rpc = cfg.get_string("jobmanager.rpc.address") + ":"
             + std::to_string(cfg.get_int("jobmanager.rpc.port"));
  auto rest = "http://" + cfg.get_string("rest.address") + ":"
              + std::to_string(cfg.get_int("rest.port"));
  auto fixed = std::make_shared<fixed_leaders>(rpc, rest);
  return backend{"NONE", cfg.cluster_id(), fixed, fixed, nil_session_id};
}

backend make_embedded(const config& cfg) {
  auto arbiter = std::make_shared<memory_election>();
  return backend{"embedded", cfg.cluster_id(), arbiter, arbiter,
                 random_session_id};
}

} // namespace

caf::expected<backend> make_backend(const config& cfg) {
  if (auto err = cfg.check_required())
    return err;
  switch (cfg.mode()) {
    case ha_mode::none:
      return make_none(cfg);
    case ha_mode::embedded:
      return make_embedded(cfg);
    default:
      return make_error(errc::not_available,
                        "high-availability mode '" + to_string(cfg.mode())
                          + "' is not available yet in this build");
  }
}

} // namespace ha
