// stores: durable metadata writes through the store actors (mode sqlite)
// against raw SQLite doing the same rows with the same pragmas, and the
// recovery of many job graphs after a restart.

#include <atomic>
#include <filesystem>
#include <iostream>

#include <caf/all.hpp>
#include <sqlite3.h>

#include "caf_ha/actors/ha_services.hpp"
#include "caf_ha/config/config.hpp"
#include "tests/bench/bench_clients.hpp"
#include "tests/bench/bench_support.hpp"

namespace ha::bench {

namespace {

// -- raw SQLite, the baseline -------------------------------------------------

class raw_db {
public:
  explicit raw_db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
      throw std::runtime_error("sqlite3_open " + path);
    exec("PRAGMA busy_timeout = 10000");
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");
  }
  ~raw_db() {
    for (auto st : statements_)
      sqlite3_finalize(st);
    sqlite3_close(db_);
  }
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string{"sqlite: "} + sqlite3_errmsg(db_));
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string{"sqlite: "} + sqlite3_errmsg(db_));
    statements_.push_back(st);
    return st;
  }
  /// Steps `st` to the end and resets it.
  void run(sqlite3_stmt* st) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
      ;
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
      throw std::runtime_error(std::string{"sqlite: "} + sqlite3_errmsg(db_));
  }

private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

void bind_job(sqlite3_stmt* st, int index, const job_id& id) {
  sqlite3_bind_blob(st, index, id.bytes.data(), 16, SQLITE_TRANSIENT);
}

// -- the services -------------------------------------------------------------

struct services {
  caf::actor_system* sys;
  ha_services_actor root;
  job_result_store_actor results;
  job_graph_store_actor graphs;
  checkpoint_store_actor checkpoints;
};

services start(caf::actor_system& sys, const std::string& dir) {
  auto root = services_in_process(sys, "",
                                  {"high-availability=sqlite",
                                   "high-availability.storageDir=" + dir});
  return {&sys, root,
          must<job_result_store_actor>(sys, "get results", root,
                                       caf::get_atom::value,
                                       job_results_atom::value),
          must<job_graph_store_actor>(sys, "get graphs", root,
                                      caf::get_atom::value,
                                      job_graphs_atom::value),
          must<checkpoint_store_actor>(sys, "get checkpoints", root,
                                       caf::get_atom::value,
                                       checkpoints_atom::value)};
}

void stop(services& s) {
  caf::scoped_actor self{*s.sys};
  self->monitor(s.root);
  self->send(s.root, caf::close_atom::value, std::string{});
  self->receive([](const caf::down_msg&) {},
                caf::after(std::chrono::seconds(30)) >> [] {
                  throw std::runtime_error("root did not stop");
                });
}

job_graph make_graph(const job_id& id, size_t payload) {
  return job_graph{id,
                   "bench-job",
                   {{"owner", "bench"}, {"priority", "normal"}},
                   std::vector<uint8_t>(payload, 0x5a)};
}

/// Answers count as done; errors are counted, and reported.
template <class... Ts>
auto on_answer(std::function<void()> next, std::atomic<size_t>* errors) {
  return std::make_pair([next](Ts...) { next(); },
                        [next, errors](const caf::error&) {
                          ++*errors;
                          next();
                        });
}

/// Seconds of one request from an event-based actor to a detached actor
/// that answers at once, and back: the hand-offs between threads that every
/// store request pays on top of its work (a store runs on a thread of its
/// own, as it blocks in fsync).
double detached_round_trip(caf::actor_system& sys, size_t calls) {
  auto echo = sys.spawn<caf::detached>([] {
    return caf::behavior{[](caf::ok_atom) { return caf::ok_atom::value; }};
  });
  auto secs = run_clients(sys, 1, calls, [&](caf::event_based_actor* self,
                                             size_t, auto next) {
    self->request(echo, caf::infinite, caf::ok_atom::value)
      .then([next](caf::ok_atom) { next(); },
            [next](const caf::error&) { next(); });
  });
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  return secs / static_cast<double>(calls);
}

struct sizes {
  size_t result_jobs;   // per run: 2 writes each
  size_t graph_puts;    // per run
  size_t counter_calls; // per run
  size_t recovery_graphs;
  size_t payload;
  int runs;
  int recovery_runs;
};

} // namespace

int run_stores(const bench_options& opts) {
  sizes n = opts.quick ? sizes{64, 64, 64, 200, 4096, 2, 2}
                       : sizes{1000, 1000, 2000, 10000, 4096, 7, 3};
  if (opts.runs > 0)
    n.runs = n.recovery_runs = opts.runs;
  scratch_dir dir{opts.work_dir};
  bench_config cfg;
  caf::actor_system sys{cfg};
  auto svc = start(sys, dir.str() + "/ha");
  raw_db raw{dir.str() + "/raw.db"};
  raw.exec("CREATE TABLE job_results(job_id BLOB PRIMARY KEY, status TEXT NOT "
           "NULL, timestamp_ms INTEGER NOT NULL, clean INTEGER NOT NULL);"
           "CREATE TABLE job_graphs(job_id BLOB PRIMARY KEY, name TEXT NOT "
           "NULL, payload BLOB NOT NULL);"
           "CREATE TABLE job_graph_metadata(job_id BLOB NOT NULL, key TEXT NOT "
           "NULL, value TEXT NOT NULL, PRIMARY KEY(job_id, key));"
           "CREATE TABLE counters(job_id BLOB PRIMARY KEY, next INTEGER NOT "
           "NULL);");
  auto insert_result = raw.prepare(
    "INSERT INTO job_results VALUES(?, 'SUCCEEDED', 1, 0)");
  auto clean_result = raw.prepare(
    "UPDATE job_results SET clean = 1 WHERE job_id = ?");
  auto begin = raw.prepare("BEGIN");
  auto commit = raw.prepare("COMMIT");
  auto put_graph = raw.prepare(
    "INSERT OR REPLACE INTO job_graphs VALUES(?, 'bench-job', ?)");
  auto put_meta = raw.prepare(
    "INSERT OR REPLACE INTO job_graph_metadata VALUES(?, ?, 'bench')");
  auto next_id = raw.prepare(
    "INSERT INTO counters VALUES(?, 2) ON CONFLICT(job_id) DO UPDATE SET "
    "next = next + 1 RETURNING next - 1");
  std::atomic<size_t> errors{0};
  std::vector<double> raw_results, one_results, many_results, hop_results;
  std::vector<double> raw_graphs, one_graphs, many_graphs;
  std::vector<double> raw_counter, one_counter, many_counter;
  uint32_t run_id = 0;
  auto graph = make_graph(job_id{}, n.payload);
  for (int r = 0; r < n.runs; ++r) {
    // (a) job results: create-dirty + mark-clean, one write per transaction.
    auto base = ++run_id;
    auto t0 = bench_clock::now();
    for (size_t i = 0; i < n.result_jobs; ++i) {
      auto id = bench_job(base, i);
      bind_job(insert_result, 1, id);
      raw.run(insert_result);
      bind_job(clean_result, 1, id);
      raw.run(clean_result);
    }
    raw_results.push_back(2.0 * n.result_jobs / seconds_since(t0));
    auto hop = detached_round_trip(sys, 2 * n.result_jobs);
    hop_results.push_back(1.0 / (1.0 / raw_results.back() + hop));
    for (size_t clients : {size_t{1}, size_t{64}}) {
      auto run = ++run_id;
      auto secs = run_clients(sys, clients, n.result_jobs, [&, run](
                    caf::event_based_actor* self, size_t i, auto next) {
        auto id = bench_job(run, i);
        job_result_entry entry{id, "SUCCEEDED", 1, false};
        auto store = svc.results;
        self->request(store, caf::infinite, create_dirty_atom::value, entry,
                      fencing_token{})
          .then(
            [=, &errors](caf::ok_atom) {
              auto [ok, err] = on_answer<caf::ok_atom>(next, &errors);
              self->request(store, caf::infinite, mark_clean_atom::value, id,
                            fencing_token{})
                .then(ok, err);
            },
            [=, &errors](const caf::error&) { ++errors, next(); });
      });
      (clients == 1 ? one_results : many_results)
        .push_back(2.0 * n.result_jobs / secs);
    }
    // (b) job graph puts: a row, its two metadata rows, one transaction.
    base = ++run_id;
    t0 = bench_clock::now();
    for (size_t i = 0; i < n.graph_puts; ++i) {
      auto id = bench_job(base, i);
      raw.run(begin);
      bind_job(put_graph, 1, id);
      sqlite3_bind_blob(put_graph, 2, graph.payload.data(),
                        static_cast<int>(graph.payload.size()),
                        SQLITE_STATIC);
      raw.run(put_graph);
      for (auto key : {"owner", "priority"}) {
        bind_job(put_meta, 1, id);
        sqlite3_bind_text(put_meta, 2, key, -1, SQLITE_STATIC);
        raw.run(put_meta);
      }
      raw.run(commit);
    }
    raw_graphs.push_back(n.graph_puts / seconds_since(t0));
    for (size_t clients : {size_t{1}, size_t{64}}) {
      auto run = ++run_id;
      auto secs = run_clients(sys, clients, n.graph_puts, [&, run](
                    caf::event_based_actor* self, size_t i, auto next) {
        auto g = graph;
        g.id = bench_job(run, i);
        auto [ok, err] = on_answer<caf::ok_atom>(next, &errors);
        self->request(svc.graphs, caf::infinite, caf::put_atom::value,
                      std::move(g), fencing_token{})
          .then(ok, err);
      });
      (clients == 1 ? one_graphs : many_graphs).push_back(n.graph_puts / secs);
    }
    // (c) checkpoint counter: getAndIncrement, one per transaction.
    base = ++run_id;
    auto counter_job = bench_job(base, 0);
    t0 = bench_clock::now();
    for (size_t i = 0; i < n.counter_calls; ++i) {
      bind_job(next_id, 1, counter_job);
      raw.run(next_id);
    }
    raw_counter.push_back(n.counter_calls / seconds_since(t0));
    for (size_t clients : {size_t{1}, size_t{64}}) {
      auto run = ++run_id;
      auto secs = run_clients(sys, clients, n.counter_calls, [&, run, clients](
                    caf::event_based_actor* self, size_t i, auto next) {
        // Each client increments the counter of its own job.
        auto job = bench_job(run, i % clients);
        auto [ok, err] = on_answer<uint64_t>(next, &errors);
        self->request(svc.checkpoints, caf::infinite, next_id_atom::value,
                      job, fencing_token{})
          .then(ok, err);
      });
      (clients == 1 ? one_counter : many_counter)
        .push_back(n.counter_calls / secs);
    }
  }
  // (d) recovery: many job graphs, restart, list + get all. A database of
  // its own, so that it holds exactly those graphs.
  stop(svc);
  auto recovery_dir = dir.str() + "/recovery";
  svc = start(sys, recovery_dir);
  auto recovery_run = ++run_id;
  run_clients(sys, 64, n.recovery_graphs, [&](caf::event_based_actor* self,
                                             size_t i, auto next) {
    auto g = graph;
    g.id = bench_job(recovery_run, i);
    auto [ok, err] = on_answer<caf::ok_atom>(next, &errors);
    self->request(svc.graphs, caf::infinite, caf::put_atom::value,
                  std::move(g), fencing_token{})
      .then(ok, err);
  });
  std::vector<double> recovery, raw_recovery, startup, raw_check;
  size_t recovered = 0;
  for (int r = 0; r < n.recovery_runs; ++r) {
    stop(svc);
    // Raw floor: a fresh connection reading every graph row of the file.
    auto t0 = bench_clock::now();
    {
      raw_db db{recovery_dir + "/default/metadata.db"};
      auto all = db.prepare("SELECT g.job_id, g.name, g.payload, m.key, "
                            "m.value FROM job_graphs g LEFT JOIN "
                            "job_graph_metadata m USING(job_id)");
      db.run(all);
    }
    raw_recovery.push_back(ms_since(t0));
    // The check of every page that make_services runs once at start.
    t0 = bench_clock::now();
    {
      raw_db db{recovery_dir + "/default/metadata.db"};
      db.run(db.prepare("PRAGMA quick_check(1)"));
    }
    raw_check.push_back(ms_since(t0));
    t0 = bench_clock::now();
    svc = start(sys, recovery_dir);
    startup.push_back(ms_since(t0));
    // As a new leader recovers: every graph, a page per request.
    size_t got = 0;
    auto page = must<job_graph_page>(sys, "first page", svc.graphs,
                                     caf::get_atom::value,
                                     graph_page_atom::value,
                                     max_graph_page_count);
    for (size_t pages = 1; pages <= n.recovery_graphs + 1; ++pages) {
      got += page.graphs.size();
      if (page.complete || page.graphs.empty())
        break;
      page = must<job_graph_page>(sys, "next page", svc.graphs,
                                  caf::get_atom::value, graph_page_atom::value,
                                  page.graphs.back().id, max_graph_page_count);
    }
    recovery.push_back(ms_since(t0));
    recovered = got;
  }
  stop(svc);
  report rep{"stores", opts};
  auto add = [&](std::string name, std::string unit, std::vector<double>& xs,
                 std::string base_name, std::vector<double>& base,
                 std::string target, double goal, bool higher_is_better) {
    auto v = summarize(xs);
    auto b = summarize(base);
    auto ratio = ratio_of(v, b);
    std::optional<bool> met;
    if (goal > 0)
      met = higher_is_better ? at_least(ratio, goal) : at_most(ratio, goal);
    rep.add({std::move(name), std::move(unit), v, std::move(base_name), b,
             ratio, std::move(target), met, ""});
  };
  std::vector<double> none;
  auto raw_name = "raw SQLite, 1 row/txn";
  add("results create+clean, 1 client", "writes/s", one_results, raw_name,
      raw_results, ">= 0.8x", 0.8, true);
  add("results create+clean, 1 client", "writes/s", one_results,
      "raw + 1 hop to a detached actor", hop_results, "", 0, true);
  add("results create+clean, 64 clients", "writes/s", many_results, raw_name,
      raw_results, ">= 5x", 5.0, true);
  add("graph put, 1 client", "puts/s", one_graphs, "raw SQLite, 1 put/txn",
      raw_graphs, "", 0, true);
  add("graph put, 64 clients", "puts/s", many_graphs, "raw SQLite, 1 put/txn",
      raw_graphs, "", 0, true);
  add("counter next, 1 client", "ids/s", one_counter, "raw SQLite upsert/txn",
      raw_counter, "", 0, true);
  add("counter next, 64 clients", "ids/s", many_counter,
      "raw SQLite upsert/txn", raw_counter, "", 0, true);
  add("recover " + std::to_string(n.recovery_graphs) + " graphs", "ms",
      recovery, "raw SELECT of all graph rows", raw_recovery, "<= 2x", 2.0,
      false);
  add("  of which make_services", "ms", startup,
      "raw PRAGMA quick_check(1)", raw_check, "", 0, false);
  rep.note("each figure over " + std::to_string(n.runs)
           + " runs (recovery over " + std::to_string(n.recovery_runs)
           + "); a write = one acknowledged durable create-dirty or "
             "mark-clean; raw does the same INSERT and UPDATE, one per "
             "transaction, WAL + synchronous=FULL; graph payload "
           + std::to_string(n.payload) + " bytes + 2 metadata rows");
  rep.note("recovery = make_services + every graph read in pages of up to "
           + std::to_string(max_graph_page_count) + " graphs or "
           + std::to_string(max_graph_page_bytes >> 20) + " MiB, "
           + std::to_string(recovered) + " graphs read");
  if (errors > 0)
    rep.note("ERRORS: " + std::to_string(errors.load())
             + " requests failed");
  auto code = rep.finish();
  return errors > 0 ? 1 : code;
}

} // namespace ha::bench
