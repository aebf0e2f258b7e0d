#include "caf_ha/backends/sqlite/sqlite_metadata_store.hpp"

#include <optional>
#include <utility>

#include "caf_ha/backends/graph_page.hpp"
#include "caf_ha/backends/metadata_ops.hpp"
#include "caf_ha/backends/sqlite/sqlite_ops.hpp"
#include "caf_ha/backends/sqlite/sqlite_schema.hpp"
#include "caf_ha/backends/sqlite/sqlite_statement.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

using sqlite::failure;
using sqlite::statement_cache;
using sqlite::transaction;

/// Every table `clear()` empties. `epochs` stays, so that no epoch is ever
/// handed out twice, `grants` too (election state: the leaders still lead), and so does the change log's sequence (AUTOINCREMENT),
/// so that listeners' cursors stay valid.
constexpr const char* clear_statements[] = {
  "DELETE FROM job_graphs",        "DELETE FROM job_graph_metadata",
  "DELETE FROM job_graph_changes", "DELETE FROM job_results",
  "DELETE FROM scheduling",        "DELETE FROM checkpoints",
  "DELETE FROM counters",
};

class sqlite_metadata_store final : public metadata_store {
public:
  sqlite_metadata_store(storage_identity identity, sqlite::connection db)
    : path_(identity.path()),
      identity_(std::move(identity)),
      db_(std::move(db)),
      sql_(db_.get()),
      origin_(random_origin()) {}

  uint64_t origin() const override {
    return origin_;
  }

  std::vector<caf::error> apply(std::vector<write_op>& ops) override {
    if (ops.empty())
      return {};
    std::vector<caf::error> errors;
    errors.reserve(ops.size());
    auto done = write<bool>([&]() -> caf::expected<bool> {
      transaction tx{sql_};
      if (ops.size() == 1) {
        // Alone in its transaction, a failed op is undone by not committing.
        errors.push_back(run_logged(ops.front()));
        if (!errors.front())
          tx.commit();
        return true;
      }
      for (auto& op : ops)
        errors.push_back(apply_one(op));
      tx.commit();
      return true;
    });
    if (!done) {
      logger("store")->warn("a batch of {} writes failed: {}", ops.size(),
                            describe(done.error()));
      errors.assign(ops.size(), done.error());
    }
    return errors;
  }

  caf::expected<job_graph> get_job_graph(const job_id& id) override {
    return attempt<job_graph>([&]() -> caf::expected<job_graph> {
      transaction snapshot{sql_, transaction::read};
      job_graph graph;
      graph.id = id;
      {
        auto select
          = sql_("SELECT name, payload FROM job_graphs WHERE job_id = ?");
        if (!select.bind(id).step())
          return make_error(errc::not_found,
                            "no job graph for job " + to_string(id));
        graph.name = select.text_at(0);
        graph.payload = select.blob_at(1);
      }
      {
        auto select = sql_("SELECT key, value FROM job_graph_metadata "
                           "WHERE job_id = ?");
        select.bind(id);
        while (select.step())
          graph.metadata.emplace(select.text_at(0), select.text_at(1));
      }
      snapshot.commit();
      return graph;
    });
  }

  caf::expected<job_graph_page> job_graphs(const std::optional<job_id>& after,
                                           uint32_t limit) override {
    return attempt<job_graph_page>([&]() -> caf::expected<job_graph_page> {
      transaction snapshot{sql_, transaction::read};
      auto page = graphs_after(after, limit);
      if (!page.graphs.empty())
        add_metadata(page.graphs);
      snapshot.commit();
      return page;
    });
  }

  caf::expected<std::vector<job_id>> job_graph_ids() override {
    using result = std::vector<job_id>;
    return attempt<result>([&]() -> caf::expected<result> {
      result ids;
      auto select = sql_("SELECT job_id FROM job_graphs ORDER BY job_id");
      while (select.step())
        ids.push_back(select.job_at(0));
      return ids;
    });
  }

  caf::expected<std::vector<job_graph_change>>
  job_graph_changes(uint64_t after) override {
    using result = std::vector<job_graph_change>;
    return attempt<result>([&]() -> caf::expected<result> {
      result changes;
      auto select = sql_("SELECT sequence, job_id, added, origin "
                         "FROM job_graph_changes WHERE sequence > ? "
                         "ORDER BY sequence");
      select.bind(after);
      while (select.step())
        changes.push_back({select.uint_at(0), select.job_at(1),
                           select.int_at(2) != 0, select.uint_at(3)});
      return changes;
    });
  }

  caf::expected<uint64_t> last_job_graph_change() override {
    return attempt<uint64_t>([&]() -> caf::expected<uint64_t> {
      auto select = sql_("SELECT max(sequence) FROM job_graph_changes");
      if (!select.step() || select.is_null(0))
        return uint64_t{0};
      return select.uint_at(0);
    });
  }

  caf::expected<std::optional<job_result_entry>>
  job_result(const job_id& id) override {
    using result = std::optional<job_result_entry>;
    return attempt<result>([&]() -> caf::expected<result> {
      auto select = sql_("SELECT job_id, status, timestamp_ms, clean "
                         "FROM job_results WHERE job_id = ?");
      if (!select.bind(id).step())
        return result{};
      return result{result_at(select)};
    });
  }

  caf::expected<std::vector<job_result_entry>>
  job_results(bool clean) override {
    using result = std::vector<job_result_entry>;
    return attempt<result>([&]() -> caf::expected<result> {
      result entries;
      auto select = sql_("SELECT job_id, status, timestamp_ms, clean "
                         "FROM job_results WHERE clean = ? ORDER BY job_id");
      select.bind(int64_t{clean ? 1 : 0});
      while (select.step())
        entries.push_back(result_at(select));
      return entries;
    });
  }

  caf::expected<scheduling_status>
  get_scheduling_status(const job_id& id) override {
    using result = scheduling_status;
    return attempt<result>([&]() -> caf::expected<result> {
      auto select = sql_("SELECT status FROM scheduling WHERE job_id = ?");
      if (!select.bind(id).step())
        return scheduling_status::pending;
      auto status = select.int_at(0);
      if (status < 0 || status > static_cast<int64_t>(scheduling_status::done))
        throw failure{SQLITE_CORRUPT,
                      "scheduling status " + std::to_string(status) + " of job "
                        + to_string(id)};
      return static_cast<scheduling_status>(status);
    });
  }

  caf::expected<std::vector<completed_checkpoint>>
  checkpoints(const job_id& job) override {
    using result = std::vector<completed_checkpoint>;
    return attempt<result>([&]() -> caf::expected<result> {
      result retained;
      auto select = sql_("SELECT checkpoint_id, timestamp_ms, metadata "
                         "FROM checkpoints WHERE job_id = ? "
                         "ORDER BY checkpoint_id");
      select.bind(job);
      while (select.step())
        retained.push_back(
          {job, select.uint_at(0), select.int_at(1), select.blob_at(2)});
      return retained;
    });
  }

  caf::expected<uint64_t> counter(const job_id& job) override {
    return attempt<uint64_t>([&]() -> caf::expected<uint64_t> {
      auto select = sql_("SELECT next FROM counters WHERE job_id = ?");
      if (!select.bind(job).step())
        return uint64_t{1};
      return select.uint_at(0);
    });
  }

  caf::expected<epoch_t> reserve_epochs(epoch_t count) override {
    if (count == 0)
      return make_error(errc::invalid_argument, "cannot reserve 0 epochs");
    return write<epoch_t>([&]() -> caf::expected<epoch_t> {
      transaction tx{sql_};
      auto first = sqlite::reserve_epochs(sql_, count, 0);
      tx.commit();
      return first;
    });
  }

  caf::error clear() override {
    auto done = write<bool>([&]() -> caf::expected<bool> {
      transaction tx{sql_};
      for (auto statement : clear_statements)
        sql_(statement).run();
      tx.commit();
      return true;
    });
    if (!done)
      return std::move(done.error());
    logger("store")->info("cleared metadata database {}", path_);
    return caf::none;
  }

private:
  /// Each op in a savepoint of its own, so that a failed op is undone alone.
  caf::error apply_one(write_op& op) {
    sql_("SAVEPOINT op").run();
    auto err = run_logged(op);
    if (err)
      sql_("ROLLBACK TO op").run();
    sql_("RELEASE op").run();
    return err;
  }

  /// Runs `op`; a refusal (fenced, bad argument) is logged, not thrown.
  caf::error run_logged(write_op& op) {
    auto err = sqlite::run_op(sql_, op, origin_);
    if (err && (is(err, errc::fenced) || is(err, errc::invalid_argument)))
      logger("store")->info("{}", describe(err));
    return err;
  }

  /// The page's graphs without metadata. Each row's size comes first, so
  /// that a graph that does not fit is never copied; one row beyond the
  /// limit says whether the page is complete.
  job_graph_page graphs_after(const std::optional<job_id>& after,
                              uint32_t limit) {
    graph_page_builder page{limit};
    auto select = sql_(
      "SELECT job_id, name, payload, "
      "length(CAST(name AS BLOB)) + length(payload) + "
      "(SELECT coalesce(sum(length(CAST(key AS BLOB)) "
      "+ length(CAST(value AS BLOB))), 0) FROM job_graph_metadata m "
      "WHERE m.job_id = g.job_id), "
      "(SELECT count(*) FROM job_graph_metadata m WHERE m.job_id = g.job_id) "
      "FROM job_graphs g WHERE job_id > ? ORDER BY job_id LIMIT ?");
    // The empty blob sorts before every id.
    if (after)
      select.bind(*after);
    else
      select.bind(std::vector<uint8_t>{});
    select.bind(static_cast<int64_t>(page.limit()) + 1);
    while (select.step()) {
      auto bytes = graph_page_bytes(select.uint_at(3), select.uint_at(4));
      if (!page.fits(bytes))
        return page.finish(false);
      page.add({select.job_at(0), select.text_at(1), {}, select.blob_at(2)},
               bytes);
    }
    return page.finish(true);
  }

  /// Reads the metadata of `graphs` (in id order) with one range scan.
  void add_metadata(std::vector<job_graph>& graphs) {
    auto select = sql_("SELECT job_id, key, value FROM job_graph_metadata "
                       "WHERE job_id >= ? AND job_id <= ? "
                       "ORDER BY job_id, key");
    select.bind(graphs.front().id).bind(graphs.back().id);
    auto graph = graphs.begin();
    while (select.step()) {
      auto id = select.job_at(0);
      while (graph != graphs.end() && graph->id < id)
        ++graph;
      if (graph == graphs.end())
        break;
      if (graph->id == id)
        graph->metadata.emplace(select.text_at(1), select.text_at(2));
    }
  }

  static job_result_entry result_at(const sqlite::statement& row) {
    return {row.job_at(0), row.text_at(1), row.int_at(2), row.int_at(3) != 0};
  }

  template <class T, class F>
  caf::expected<T> write(F f) {
    return sqlite::attempt_write<T>(identity_, f);
  }

  template <class T, class F>
  caf::expected<T> attempt(F f) {
    return sqlite::attempt<T>(path_, f);
  }

  std::string path_;
  storage_identity identity_;
  sqlite::connection db_;
  /// Declared after `db_`: its statements are finalized before it closes.
  statement_cache sql_;
  uint64_t origin_;
};

} // namespace

caf::expected<storage_identity>
prepare_sqlite_database(const std::string& db_path) {
  auto db = sqlite::open_database(db_path);
  if (!db)
    return std::move(db.error());
  return storage_identity::of(db_path);
}

caf::expected<std::unique_ptr<metadata_store>>
open_sqlite_metadata_store(const storage_identity& identity) {
  auto db = sqlite::open_database(identity.path(),
                                    sqlite::page_check::checked);
  if (!db)
    return std::move(db.error());
  // The connection may have opened a file that replaced the node's.
  if (auto err = identity.verify())
    return err;
  return std::unique_ptr<metadata_store>{
    std::make_unique<sqlite_metadata_store>(identity, std::move(*db))};
}

caf::expected<std::unique_ptr<metadata_store>>
open_sqlite_metadata_store(const std::string& db_path) {
  auto identity = prepare_sqlite_database(db_path);
  if (!identity)
    return std::move(identity.error());
  return open_sqlite_metadata_store(*identity);
}

} // namespace ha
