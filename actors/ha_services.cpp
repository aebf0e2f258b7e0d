#include "actors/ha_services.hpp"

#include <map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/elector.hpp"
#include "actors/retriever.hpp"
#include "backends/factory.hpp"
#include "config/logging.hpp"
#include "messages/errors.hpp"

namespace ha {

namespace {

struct ha_services_state {
  backend be;
  std::map<std::string, elector_actor> electors;
  std::map<std::string, retriever_actor> retrievers;

  static inline const char* name = "ha_services";
};

using services_pointer = ha_services_actor::stateful_pointer<ha_services_state>;

caf::error check_component(const std::string& name) {
  if (component::is_valid(name))
    return caf::none;
  return make_error(errc::invalid_argument,
                    "unknown component '" + name
                      + "': expected resource_manager, dispatcher, rest or "
                        "job_manager/<32 hex digits>");
}

caf::result<elector_actor> get_elector(services_pointer self,
                                       const std::string& name) {
  if (auto err = check_component(name))
    return err;
  auto& st = self->state;
  auto& handle = st.electors[name];
  if (!handle)
    handle = spawn_linked_elector(
      self, elector_config{name, st.be.election, st.be.new_session_id});
  return handle;
}

caf::result<retriever_actor> get_retriever(services_pointer self,
                                           const std::string& name) {
  if (auto err = check_component(name))
    return err;
  auto& st = self->state;
  auto& handle = st.retrievers[name];
  if (!handle)
    handle = spawn_linked_retriever(self,
                                    retriever_config{name, st.be.retrieval});
  return handle;
}

ha_services_actor::behavior_type ha_services(services_pointer self,
                                             backend be) {
  self->state.be = std::move(be);
  logger("node")->info("services started (mode {}, cluster {})",
                       self->state.be.mode, self->state.be.cluster_id);
  return {
    [self](caf::get_atom, elector_atom, const std::string& name) {
      return get_elector(self, name);
    },
    [self](caf::get_atom, retriever_atom, const std::string& name) {
      return get_retriever(self, name);
    },
    [self](caf::get_atom, mode_atom) {
      return caf::make_result(self->state.be.mode, self->state.be.cluster_id);
    },
    [self](caf::close_atom) {
      self->quit(caf::exit_reason::user_shutdown);
      return caf::ok_atom::value;
    },
  };
}

} // namespace

caf::expected<ha_services_actor> make_services(caf::actor_system& sys,
                                               const config& cfg) {
  auto be = make_backend(cfg);
  if (!be)
    return std::move(be.error());
  return sys.spawn(ha_services, std::move(*be));
}

caf::expected<ha_services_actor> connect(caf::actor_system& sys,
                                         const std::string& host,
                                         uint16_t port) {
  auto root = sys.middleman().remote_actor<ha_services_actor>(host, port);
  if (!root)
    return make_error(errc::backend_unavailable,
                      "cannot reach ha-node at " + host + ":"
                        + std::to_string(port) + ": "
                        + sys.render(root.error()));
  return root;
}

} // namespace ha
