#include "caf_ha/messages/type_registry.hpp"

#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ha_services.hpp"

#include <caf/message.hpp>

namespace ha {

namespace {

std::string render_error(uint8_t code, caf::atom_value, const caf::message&
                         context) {
  auto result = "caf_ha: " + to_string(static_cast<errc>(code));
  if (!context.empty())
    result += " (" + describe(caf::error{code, error_category, context}) + ")";
  return result;
}

} // namespace

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<session_id>("ha::session_id")
    .add_message_type<job_id>("ha::job_id")
    .add_message_type<leader_info>("ha::leader_info")
    .add_message_type<contender_options>("ha::contender_options")
    .add_message_type<participant>("ha::participant")
    .add_message_type<std::vector<participant>>("std::vector<ha::participant>")
    .add_message_type<contender_actor>("ha::contender_actor")
    .add_message_type<elector_actor>("ha::elector_actor")
    .add_message_type<listener_actor>("ha::listener_actor")
    .add_message_type<retriever_actor>("ha::retriever_actor")
    .add_message_type<ha_services_actor>("ha::ha_services_actor")
    .add_message_type<fencing_token>("ha::fencing_token")
    .add_message_type<job_graph>("ha::job_graph")
    .add_message_type<job_graph_page>("ha::job_graph_page")
    .add_message_type<job_result_entry>("ha::job_result_entry")
    .add_message_type<std::vector<job_result_entry>>(
      "std::vector<ha::job_result_entry>")
    .add_message_type<std::vector<job_id>>("std::vector<ha::job_id>")
    .add_message_type<scheduling_status>("ha::scheduling_status")
    .add_message_type<job_status>("ha::job_status")
    .add_message_type<completed_checkpoint>("ha::completed_checkpoint")
    .add_message_type<std::vector<completed_checkpoint>>(
      "std::vector<ha::completed_checkpoint>")
    .add_message_type<job_graph_listener_actor>("ha::job_graph_listener_actor")
    .add_message_type<job_graph_store_actor>("ha::job_graph_store_actor")
    .add_message_type<job_result_store_actor>("ha::job_result_store_actor")
    .add_message_type<running_jobs_registry_actor>(
      "ha::running_jobs_registry_actor")
    .add_message_type<checkpoint_store_actor>("ha::checkpoint_store_actor")
    .add_message_type<component_status>("ha::component_status")
    .add_message_type<std::vector<component_status>>(
      "std::vector<ha::component_status>")
    .add_message_type<leader_change>("ha::leader_change")
    .add_message_type<std::vector<leader_change>>(
      "std::vector<ha::leader_change>")
    .add_message_type<node_status>("ha::node_status")
    .add_error_category(error_category, render_error);
  register_blob_types(cfg);
}

} // namespace ha
