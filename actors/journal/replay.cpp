#include "caf_ha/actors/journal/replay.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "caf_ha/actors/blob_store.hpp"
#include "caf_ha/actors/checkpoint_store.hpp"
#include "caf_ha/actors/elector.hpp"
#include "caf_ha/actors/job_graph_store.hpp"
#include "caf_ha/actors/job_result_store.hpp"
#include "caf_ha/actors/journal/journal_hook.hpp"
#include "caf_ha/actors/retriever.hpp"
#include "caf_ha/actors/journal/replay_records.hpp"
#include "caf_ha/actors/journal/replay_stand_ins.hpp"
#include "caf_ha/actors/running_jobs_registry.hpp"
#include "caf_ha/actors/journal/store_journal.hpp"
#include "caf_ha/backends/factory.hpp"
#include "caf_ha/config/config.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/hex.hpp"
#include "caf_ha/messages/type_registry.hpp"

namespace ha {

namespace {

struct replay_config : caf::actor_system_config {
  replay_config() {
    register_types(*this);
    // One thread, one message at a time, in the order the replay feeds them.
    set("scheduler.policy", caf::atom("testing"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

enum class replayed_kind { elector, retriever, store };

/// The store actors a journal may name, by their journal name.
using store_spawner = caf::actor (*)(caf::local_actor*, store_config);

template <class Handle, Handle (*Spawn)(caf::local_actor*, store_config)>
caf::actor spawn_as_actor(caf::local_actor* parent, store_config cfg) {
  return caf::actor_cast<caf::actor>(Spawn(parent, std::move(cfg)));
}

const std::map<std::string, store_spawner>& store_spawners() {
  static const std::map<std::string, store_spawner> result{
    {"job_graph_store",
     spawn_as_actor<job_graph_store_impl, spawn_job_graph_store>},
    {"job_result_store",
     spawn_as_actor<job_result_store_impl, spawn_job_result_store>},
    {"running_jobs_registry",
     spawn_as_actor<running_jobs_registry_impl, spawn_running_jobs_registry>},
    {"checkpoint_store",
     spawn_as_actor<checkpoint_store_impl, spawn_checkpoint_store>},
  };
  return result;
}

struct replayed_actor {
  replayed_kind kind = replayed_kind::elector;
  std::string component;
  caf::actor handle;
  /// A replayed blob store's directory, and the one it had when recorded.
  std::string root;
  std::string recorded_root;
  /// Stand-ins by recorded peer name. Each replayed actor has its own, so
  /// that a stand-in's death reaches only the actor whose journal says so.
  std::map<std::string, caf::actor> peers;
  /// The driver of a replayed elector or retriever.
  std::shared_ptr<silent_driver> driver;
};

void replace_all(std::string& text, const std::string& from,
                 const std::string& to) {
  if (from.empty())
    return;
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
}

caf::error undecodable(const journal_record& x, const std::string& what) {
  return make_error(errc::corrupted, "journal record "
                                       + std::to_string(x.index) + " ("
                                       + describe(x) + "): " + what);
}

class replayer {
public:
  explicit replayer(const std::vector<journal_record>& records)
    : records_(records),
      sys_(cfg_),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(
        sys_.scheduler())),
      journal_(journal::in_memory([this] { return now_; })),
      parent_(sys_) {
    // nop
  }

  ~replayer() {
    for (auto& [name, x] : actors_) {
      caf::anon_send_exit(x.handle, caf::exit_reason::user_shutdown);
      for (auto& [peer, handle] : x.peers)
        caf::anon_send_exit(handle, caf::exit_reason::kill);
    }
    sched_.run();
  }

  caf::error run() {
    for (auto* ptr : replay_order(records_)) {
      auto& x = *ptr;
      now_ = x.time_us;
      auto actor = actor_for(x);
      if (!actor)
        return std::move(actor.error());
      grants_->follow(x);
      // Random draws, peers and the configuration are no messages: the
      // replayed actor takes them from the recording when it starts or
      // draws.
      if (x.direction != "in" || x.kind == "random" || x.kind == "peer"
          || x.kind == "config")
        continue;
      if (auto err = feed(**actor, x))
        return err;
      sched_.run();
    }
    return caf::none;
  }

  /// What the replayed actors journaled, with each replayed blob store's
  /// directory named as in the recording.
  std::vector<journal_record> produced() const {
    auto result = journal_->records();
    for (auto& x : result) {
      auto i = actors_.find(x.actor);
      if (i == actors_.end() || i->second.recorded_root.empty())
        continue;
      for (auto& field : x.fields)
        replace_all(field.second, i->second.root, i->second.recorded_root);
    }
    return result;
  }

private:
  caf::expected<replayed_actor*> actor_for(const journal_record& x) {
    auto i = actors_.find(x.actor);
    if (i != actors_.end())
      return &i->second;
    auto result = spawn_actor(x);
    if (!result)
      return std::move(result.error());
    sched_.run();
    return &actors_.emplace(x.actor, std::move(*result)).first->second;
  }

  /// A fresh actor of the kind `x.actor` names, journaling as its process.
  caf::expected<replayed_actor> spawn_actor(const journal_record& x) {
    auto node = node_of(x.actor);
    auto sink = node.empty() ? journal_ : node_journal(node);
    auto name = x.actor.substr(0, x.actor.find('@'));
    auto kind = name.substr(0, name.find('/'));
    if (kind != name && (kind == "elector" || kind == "retriever"))
      return spawn_election_actor(x, kind, name.substr(kind.size() + 1),
                                  sink);
    if (name == "blob_store")
      return spawn_blob_store(x, sink);
    return spawn_metadata_store(x, name, sink);
  }

  replayed_actor spawn_election_actor(const journal_record& x,
                                      const std::string& kind,
                                      const std::string& component,
                                      std::shared_ptr<journal> sink) {
    replayed_actor result;
    result.component = component;
    auto driver = std::make_shared<silent_driver>();
    result.driver = driver;
    if (kind == "elector") {
      result.handle = caf::actor_cast<caf::actor>(spawn_elector(
        sys_, {component, driver, recorded_sessions(x.actor), sink}));
    } else {
      result.kind = replayed_kind::retriever;
      result.handle = caf::actor_cast<caf::actor>(
        spawn_retriever(sys_, {component, driver, sink}));
    }
    return result;
  }

  caf::expected<replayed_actor> spawn_blob_store(const journal_record& x,
                                                 std::shared_ptr<journal> sink) {
    auto cfg = blob_config(x, std::move(sink));
    if (!cfg)
      return std::move(cfg.error());
    replayed_actor result;
    result.kind = replayed_kind::store;
    result.root = cfg->root;
    result.recorded_root = recorded_root(x.actor);
    result.handle = caf::actor_cast<caf::actor>(
      spawn_linked_blob_store(parent_.ptr(), std::move(*cfg)));
    return result;
  }

  caf::expected<replayed_actor>
  spawn_metadata_store(const journal_record& x, const std::string& name,
                       std::shared_ptr<journal> sink) {
    auto spawner = store_spawners().find(name);
    if (spawner == store_spawners().end())
      return undecodable(x, "no replay for actor '" + x.actor + "'");
    auto store = open_store(x);
    if (!store)
      return std::move(store.error());
    store_config cfg{std::move(*store)};
    cfg.message_journal = std::move(sink);
    cfg.replaying = true;
    replayed_actor result;
    result.kind = replayed_kind::store;
    result.handle = spawner->second(parent_.ptr(), std::move(cfg));
    return result;
  }

  /// A journal that shares the replay's records and names, recording as
  /// the process `node` (see `journal_hook`).
  std::shared_ptr<journal> node_journal(const std::string& node) {
    auto& result = node_journals_[node];
    if (!result)
      result = journal_->as_node(node);
    return result;
  }

  /// The replay's backend: memory metadata and a fresh blob directory,
  /// shared by all replayed processes as the recorded ones shared theirs.
  caf::expected<backend*> memory(const journal_record& x) {
    if (!memory_) {
      config cfg;
      if (auto err = cfg.set("high-availability", "embedded"))
        return err;
      auto be = make_backend(cfg, grants_);
      if (!be)
        return undecodable(x, "no memory backend: " + describe(be.error()));
      memory_ = std::make_shared<backend>(std::move(*be));
    }
    return memory_.get();
  }

  caf::expected<std::shared_ptr<metadata_store>>
  open_store(const journal_record& x) {
    auto be = memory(x);
    if (!be)
      return std::move(be.error());
    return (*be)->open_metadata();
  }

  /// A blob store on the replay's blob directory, with the journal clock and
  /// the recorded limits, random bytes and peers.
  caf::expected<blob_store_config>
  blob_config(const journal_record& x, std::shared_ptr<journal> sink) {
    auto be = memory(x);
    if (!be)
      return std::move(be.error());
    blob_store_config cfg;
    cfg.root = (*be)->blob_root;
    cfg.storage = (*be)->blobs;
    if (auto err = recorded_limits(x.actor, cfg))
      return err;
    cfg.message_journal = std::move(sink);
    cfg.replaying = true;
    cfg.random = recorded_random(x.actor);
    cfg.peer_of = recorded_peers(x.actor);
    cfg.now = [this] {
      return std::chrono::steady_clock::time_point{
        std::chrono::microseconds{now_}};
    };
    return cfg;
  }

  /// The configuration record of `actor`, if the recording has one.
  const journal_record* recorded_config(const std::string& actor) {
    for (auto& x : records_)
      if (x.actor == actor && x.kind == "config")
        return &x;
    return nullptr;
  }

  /// The blob directory of `actor` in the recording.
  std::string recorded_root(const std::string& actor) {
    auto config = recorded_config(actor);
    return config ? config->field("root") : std::string{};
  }

  /// The recorded upload limits of `actor`; journals recorded before the
  /// limits existed keep the defaults.
  caf::error recorded_limits(const std::string& actor,
                             blob_store_config& cfg) {
    auto config = recorded_config(actor);
    if (config == nullptr)
      return caf::none;
    for (auto [key, limit] : {std::pair{"max_uploads_per_peer",
                                        &cfg.max_uploads_per_peer},
                              std::pair{"max_uploads", &cfg.max_uploads}}) {
      if (config->field(key).empty())
        continue;
      auto n = number_of(*config, key);
      if (!n)
        return std::move(n.error());
      *limit = static_cast<uint32_t>(*n);
    }
    return caf::none;
  }

  /// The peers of the uploads `actor` opened in the recording, in order;
  /// the sender's own node once they run out (journals recorded before
  /// peers were journaled).
  peer_source recorded_peers(const std::string& actor) {
    auto peers = std::make_shared<std::deque<std::string>>();
    for (auto& x : records_)
      if (x.actor == actor && x.direction == "in" && x.kind == "peer")
        peers->push_back(x.field("node"));
    return [peers](const caf::strong_actor_ptr& sender) {
      if (peers->empty())
        return sender_node(sender);
      auto peer = std::move(peers->front());
      peers->pop_front();
      return peer;
    };
  }

  /// The random bytes `actor` drew in the recording, in order.
  random_source recorded_random(const std::string& actor) {
    auto draws = std::make_shared<std::deque<std::string>>();
    for (auto& x : records_)
      if (x.actor == actor && x.direction == "in" && x.kind == "random")
        draws->push_back(x.field("bytes"));
    return [draws](uint8_t* buf, size_t size) -> caf::error {
      if (draws->empty() || draws->front().size() != 2 * size
          || !hex::parse(draws->front(), 0, buf, size))
        return make_error(errc::corrupted,
                          "the journal holds no further random draw of "
                            + std::to_string(size) + " bytes");
      draws->pop_front();
      return caf::none;
    };
  }

  /// The session ids of the recorded grants, in order: what the recorded
  /// elector drew from its generator.
  std::function<session_id()> recorded_sessions(const std::string& actor) {
    auto sessions = std::make_shared<std::deque<session_id>>();
    for (auto& x : records_)
      if (x.actor == actor && x.direction == "out" && x.kind == "grant")
        if (auto s = parse_session_id(x.field("session")))
          sessions->push_back(*s);
    return [sessions] {
      if (sessions->empty())
        return nil_session_id(); // more grants than recorded: a divergence
      auto s = sessions->front();
      sessions->pop_front();
      return s;
    };
  }

  caf::actor peer(replayed_actor& actor, const std::string& name) {
    auto& handle = actor.peers[name];
    if (!handle) {
      handle = sys_.spawn(stand_in);
      journal_->bind(handle.address(), name);
    }
    return handle;
  }

  caf::error feed(replayed_actor& actor, const journal_record& x) {
    if (x.kind == "down") {
      caf::anon_send_exit(peer(actor, x.peer), caf::exit_reason::kill);
      return caf::none;
    }
    if (x.kind == "exit") {
      caf::anon_send_exit(actor.handle, caf::exit_reason::user_shutdown);
      return caf::none;
    }
    auto msg = input(actor, x);
    if (!msg)
      return std::move(msg.error());
    caf::strong_actor_ptr sender;
    if (x.peer == "self")
      sender = caf::actor_cast<caf::strong_actor_ptr>(actor.handle);
    else if (x.peer != driver_peer && x.peer != "anonymous")
      sender = caf::actor_cast<caf::strong_actor_ptr>(peer(actor, x.peer));
    // Driver reports count only through the actor's private inbox.
    auto& receiver = x.peer == driver_peer && actor.driver
                         && actor.driver->inbox
                       ? actor.driver->inbox
                       : actor.handle;
    auto dest = caf::actor_cast<caf::abstract_actor*>(receiver);
    dest->enqueue(caf::make_mailbox_element(std::move(sender),
                                            caf::make_message_id(), {},
                                            std::move(*msg)),
                  nullptr);
    return caf::none;
  }

  caf::expected<caf::message> input(replayed_actor& actor,
                                    const journal_record& x) {
    switch (actor.kind) {
      case replayed_kind::elector:
        return elector_input(actor, x);
      case replayed_kind::retriever:
        return retriever_input(actor, x);
      default:
        return store_input(actor, x);
    }
  }

  caf::expected<caf::message> store_input(replayed_actor& actor,
                                          const journal_record& x) {
    if (x.kind == "join" || x.kind == "leave") {
      auto l = caf::actor_cast<job_graph_listener_actor>(
        peer(actor, x.field("listener")));
      return x.kind == "join" ? caf::make_message(caf::join_atom::value, l)
                              : caf::make_message(caf::leave_atom::value, l);
    }
    auto msg = message_from(sys_, x.fields);
    if (!msg)
      return undecodable(x, describe(msg.error()));
    return msg;
  }

  caf::expected<session_id> session_of(const journal_record& x) {
    if (auto s = parse_session_id(x.field("session")))
      return *s;
    return undecodable(x, "no valid session");
  }

  caf::expected<uint64_t> number_of(const journal_record& x,
                                    const std::string& key) {
    try {
      return std::stoull(x.field(key));
    } catch (const std::exception&) {
      return undecodable(x, "no valid " + key);
    }
  }

  /// What a recorded join declared.
  caf::expected<contender_options> options_of(const journal_record& x) {
    contender_options result;
    result.address = x.field("address");
    result.drains = x.field("drains") == "true";
    if (auto& priority = x.field("priority"); !priority.empty()) {
      try {
        result.priority = static_cast<int32_t>(std::stol(priority));
      } catch (const std::exception&) {
        return undecodable(x, "no valid priority");
      }
    }
    return result;
  }

  caf::expected<caf::message> elector_input(replayed_actor& actor,
                                            const journal_record& x) {
    auto& k = x.kind;
    if (k == "join" || k == "leave") {
      auto c = caf::actor_cast<contender_actor>(
        peer(actor, x.field("contender")));
      if (k == "leave")
        return caf::make_message(leave_atom::value, c);
      auto options = options_of(x);
      if (!options)
        return options.error();
      if (options->address.empty() && options->priority == 0
          && !options->drains)
        return caf::make_message(join_atom::value, c);
      return caf::make_message(join_atom::value, c, std::move(*options));
    }
    if (k == "participants")
      return caf::make_message(participants_atom::value);
    if (k == "transfer")
      return caf::make_message(transfer_atom::value, x.field("to"));
    if (k == "transferred" || k == "step_down") {
      auto number = number_of(x, k == "step_down" ? "candidate" : "request");
      if (!number)
        return number.error();
      if (k == "step_down")
        return caf::make_message(resign_atom::value, *number);
      return caf::make_message(transfer_atom::value, *number,
                               error_from(x.fields));
    }
    if (k == "drained" || k == "drain_timeout") {
      auto s = session_of(x);
      if (!s)
        return s.error();
      if (k == "drained")
        return caf::make_message(drained_atom::value, *s);
      return caf::make_message(drain_atom::value, *s);
    }
    if (k == "confirm" || k == "leadership" || k == "resign") {
      auto s = session_of(x);
      if (!s)
        return s.error();
      if (k == "confirm")
        return caf::make_message(confirm_atom::value, *s, x.field("address"));
      if (k == "leadership")
        return caf::make_message(leadership_atom::value, *s);
      return caf::make_message(resign_atom::value, *s);
    }
    if (k == "granted" || k == "revoked") {
      auto candidate = number_of(x, "candidate");
      if (!candidate)
        return candidate.error();
      if (k == "revoked")
        return caf::make_message(revoked_atom::value, *candidate);
      auto epoch = number_of(x, "epoch");
      if (!epoch)
        return epoch.error();
      return caf::make_message(granted_atom::value, *candidate, *epoch);
    }
    if (k == "driver_error")
      return caf::make_message(driver_error_atom::value, error_from(x.fields));
    return undecodable(x, "not an input of an elector");
  }

  caf::expected<caf::message> retriever_input(replayed_actor& actor,
                                              const journal_record& x) {
    auto& k = x.kind;
    if (k == "join" || k == "leave") {
      auto l = caf::actor_cast<listener_actor>(
        peer(actor, x.field("listener")));
      return k == "join" ? caf::make_message(join_atom::value, l)
                         : caf::make_message(leave_atom::value, l);
    }
    if (k == "get")
      return caf::make_message(caf::get_atom::value);
    if (k == "leader") {
      auto info = leader_from(x.fields);
      if (!info)
        return undecodable(x, "no valid leader");
      return caf::make_message(leader_atom::value, actor.component, *info);
    }
    if (k == "retrieval_error")
      return caf::make_message(retrieval_error_atom::value, actor.component,
                               error_from(x.fields));
    return undecodable(x, "not an input of a retriever");
  }

  const std::vector<journal_record>& records_;
  replay_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  int64_t now_ = 0;
  std::shared_ptr<journal> journal_;
  std::map<std::string, std::shared_ptr<journal>> node_journals_;
  /// The recorded elections' grants, for the replayed stores' fences.
  std::shared_ptr<recorded_grants> grants_
    = std::make_shared<recorded_grants>();
  /// Parent of the replayed stores (not linked to them).
  caf::scoped_actor parent_;
  std::shared_ptr<backend> memory_;
  std::map<std::string, replayed_actor> actors_;
};

} // namespace

caf::expected<replay_result>
replay_journal(const std::vector<journal_record>& records, bool torn_tail) {
  replay_result result;
  {
    replayer engine{records};
    if (auto err = engine.run())
      return err;
    result.produced = engine.produced();
  }
  result.messages = records.size();
  std::vector<std::string> actors;
  for (auto& x : records)
    if (std::find(actors.begin(), actors.end(), x.actor) == actors.end())
      actors.push_back(x.actor);
  for (auto& actor : actors) {
    auto diff = compare_actor(records, result.produced, actor, torn_tail);
    if (diff && (!result.divergence || diff->index < result.divergence->index))
      result.divergence = std::move(diff);
  }
  return result;
}

} // namespace ha
