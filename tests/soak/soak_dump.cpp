// soak_worker dump: what ha-node holds at the end of the soak (see
// soak_worker.hpp).

#include <fstream>

#include <caf/all.hpp>

#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/actors/client/remote_store.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/retrieval.hpp"
#include "caf_ha/messages/stores.hpp"
#include "tests/soak/soak_worker.hpp"

namespace ha::soak {

namespace {

constexpr auto dump_timeout = std::chrono::seconds(60);

/// Appends the ids of the results `what` (dirty or clean) to `out`.
template <class What>
bool dump_results(caf::scoped_actor& self, const job_result_store_actor& store,
                  What what, std::ofstream& out, size_t& count) {
  bool ok = false;
  self->request(store, dump_timeout, caf::get_atom::value, what)
    .receive(
      [&](const std::vector<job_result_entry>& entries) {
        for (auto& entry : entries)
          out << to_string(entry.id) << '\n';
        count += entries.size();
        ok = true;
      },
      [](const caf::error& err) {
        std::cerr << "soak_worker: " << describe(err) << std::endl;
      });
  return ok;
}

bool print_leader(caf::scoped_actor& self, const retriever_actor& retriever,
                  const std::string& component) {
  bool ok = false;
  self->request(retriever, dump_timeout, caf::get_atom::value)
    .receive(
      [&](const leader_info& info) {
        say("leader " + component + " "
            + (info.empty() ? std::string{"-"} : info.address) + " "
            + std::to_string(info.epoch));
        ok = true;
      },
      [](const caf::error& err) {
        std::cerr << "soak_worker: " << describe(err) << std::endl;
      });
  return ok;
}

} // namespace

int run_dump(const worker_args& args) {
  return run_client(args, [&](caf::actor_system& sys,
                              services_link_actor link) {
    auto store = spawn_remote_job_results(sys, link);
    caf::scoped_actor self{sys};
    std::ofstream out{args.out_path};
    size_t count = 0;
    bool ok = dump_results(self, store, dirty_atom::value, out, count)
              && dump_results(self, store, clean_atom::value, out, count);
    for (uint32_t k = 0; ok && k < args.components; ++k) {
      auto name = component_name(k);
      ok = print_leader(self, spawn_remote_retriever(sys, link, name), name);
    }
    out.close();
    if (ok && out)
      say("dumped " + std::to_string(count));
    return ok && out ? 0 : 1;
  });
}

} // namespace ha::soak
