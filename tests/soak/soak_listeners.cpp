// soak_worker listeners: many listeners that check the order of the leaders
// they hear of, and an aggregator that says when all listeners of a
// component follow the same leader (see soak_worker.hpp).

#include <map>
#include <memory>

#include <caf/all.hpp>

#include "caf_ha/actors/client/remote_service.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/retrieval.hpp"
#include "tests/soak/soak_worker.hpp"

namespace ha::soak {

namespace {

using moved_atom = caf::atom_constant<caf::atom("moved")>;
using joined_atom = caf::atom_constant<caf::atom("joined")>;
using report_atom = caf::atom_constant<caf::atom("report")>;

/// "ADDRESS EPOCH" of a leader; "" for none.
std::string key_of(const leader_info& info) {
  return info.empty() ? std::string{}
                      : info.address + " " + std::to_string(info.epoch);
}

/// Counts the listeners of each component per leader they follow.
using aggregator_actor = caf::typed_actor<
  // moved(component index, old key, new key): a listener's leader changed.
  caf::reacts_to<moved_atom, uint32_t, std::string, std::string>,
  // joined: one more listener joined its retriever.
  caf::reacts_to<joined_atom>,
  // report: from now on print `agree` lines.
  caf::reacts_to<report_atom>>;

struct aggregator_state {
  std::vector<std::map<std::string, uint32_t>> counts;
  std::vector<uint32_t> listeners; // per component
  std::vector<std::string> agreed; // last `agree` printed per component
  uint32_t joined = 0;
  uint32_t total = 0;
  bool reporting = false;
  static inline const char* name = "soak_aggregator";
};

using aggregator_pointer = aggregator_actor::stateful_pointer<aggregator_state>;

void check_agreement(aggregator_pointer self, uint32_t k) {
  auto& st = self->state;
  for (auto& [key, n] : st.counts[k])
    if (n == st.listeners[k] && !key.empty() && key != st.agreed[k]) {
      st.agreed[k] = key;
      say("agree " + component_name(k) + " " + key);
    }
}

aggregator_actor::behavior_type
aggregator(aggregator_pointer self, uint32_t total, uint32_t components) {
  auto& st = self->state;
  st.total = total;
  st.counts.resize(components);
  st.agreed.resize(components);
  st.listeners.resize(components);
  for (uint32_t i = 0; i < total; ++i)
    ++st.listeners[i % components];
  for (uint32_t k = 0; k < components; ++k)
    st.counts[k][""] = st.listeners[k];
  return {
    [self](moved_atom, uint32_t k, const std::string& from,
           const std::string& to) {
      auto& counts = self->state.counts.at(k);
      if (--counts[from] == 0)
        counts.erase(from);
      ++counts[to];
      if (self->state.reporting)
        check_agreement(self, k);
    },
    [self](joined_atom) {
      if (++self->state.joined == self->state.total)
        say("ready");
    },
    [self](report_atom) {
      self->state.reporting = true;
      for (uint32_t k = 0; k < self->state.counts.size(); ++k)
        check_agreement(self, k);
    },
  };
}

struct listener_state {
  uint32_t component = 0;
  std::string current; // key of the leader followed
  epoch_t last_epoch = 0;
  bool after_error = false;
  std::shared_ptr<event_log> log;
  aggregator_actor aggregator;
  static inline const char* name = "soak_listener";
};

using listener_pointer = listener_actor::stateful_pointer<listener_state>;

/// Leaders come in the order ha-node confirmed them: each new one has a
/// higher epoch than the one before. After a retrieval error the current
/// leader is sent again on rejoin, so then the same epoch may come twice.
void check_order(listener_pointer self, const std::string& component,
                 const leader_info& info) {
  auto& st = self->state;
  if (info.empty())
    return;
  bool again = st.after_error && info.epoch == st.last_epoch;
  if (info.epoch <= st.last_epoch && !again)
    st.log->write("violation " + component + " "
                  + std::to_string(info.epoch) + " after "
                  + std::to_string(st.last_epoch));
  st.last_epoch = std::max(st.last_epoch, info.epoch);
  st.after_error = false;
}

listener_actor::behavior_type
listener(listener_pointer self, uint32_t component, retriever_actor retriever,
         std::shared_ptr<event_log> log, aggregator_actor aggregator) {
  auto& st = self->state;
  st.component = component;
  st.log = log;
  st.aggregator = aggregator;
  self
    ->request(retriever, std::chrono::seconds(120), join_atom::value,
              caf::actor_cast<listener_actor>(self))
    .then([self](caf::ok_atom) { self->send(self->state.aggregator,
                                            joined_atom::value); },
          [self](const caf::error& err) {
            self->state.log->write("join_err " + describe(err));
          });
  return {
    [self](leader_atom, const std::string& component, const leader_info& info) {
      auto& st = self->state;
      check_order(self, component, info);
      auto key = key_of(info);
      if (key != st.current)
        self->send(st.aggregator, moved_atom::value, st.component, st.current,
                   key);
      st.current = std::move(key);
    },
    [self](retrieval_error_atom, const std::string& component,
           const caf::error& err) {
      self->state.after_error = true;
      self->state.log->write("retr_err " + component + " " + describe(err));
    },
  };
}

} // namespace

int run_listeners(const worker_args& args) {
  return run_client(args, [&](caf::actor_system& sys,
                              services_link_actor link) {
    auto log = std::make_shared<event_log>(args.log_path);
    auto agg = sys.spawn(aggregator, args.count, args.components);
    std::vector<retriever_actor> retrievers;
    for (uint32_t k = 0; k < args.components; ++k)
      retrievers.push_back(
        spawn_remote_retriever(sys, link, component_name(k)));
    std::vector<listener_actor> listeners;
    for (uint32_t i = 0; i < args.count; ++i)
      listeners.push_back(sys.spawn(listener, i % args.components,
                                    retrievers[i % args.components], log,
                                    agg));
    while (await_usr1())
      caf::anon_send(agg, report_atom::value);
    for (auto& x : listeners)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(agg, caf::exit_reason::user_shutdown);
    return 0;
  });
}

} // namespace ha::soak
