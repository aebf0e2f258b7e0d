#include "caf_ha/actors/ops/cluster_status.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "caf_ha/actors/client/request_watch.hpp"

namespace ha::ops {

namespace {

using json = nlohmann::json;

/// The error of the first of `xs` that holds one, or none.
template <class... Ts>
caf::error first_error(const caf::expected<Ts>&... xs) {
  caf::error result;
  auto check = [&](const auto& x) {
    if (!result && !x)
      result = x.error();
  };
  (check(xs), ...);
  return result;
}

caf::error ask_mode(caf::scoped_actor& self, const ha_services_actor& root,
                    caf::timespan timeout, cluster_status& out) {
  caf::error result;
  auto receiver = caf::actor_cast<caf::strong_actor_ptr>(root);
  self->request(root, timeout, caf::get_atom::value, mode_atom::value)
    .receive(
      [&](std::string& mode, std::string& cluster_id) {
        out.mode = std::move(mode);
        out.cluster_id = std::move(cluster_id);
      },
      [&](caf::error& err) {
        result = why_unanswered(std::move(err), receiver);
      });
  return result;
}

/// Counts results, running jobs and checkpoints of the stored graphs.
caf::error count_jobs(caf::scoped_actor& self, const ha_services_actor& root,
                      caf::timespan timeout, cluster_status& out) {
  auto graphs = watched_request<job_graph_store_actor>(
    self, root, timeout, caf::get_atom::value, job_graphs_atom::value);
  auto results = watched_request<job_result_store_actor>(
    self, root, timeout, caf::get_atom::value, job_results_atom::value);
  auto registry = watched_request<running_jobs_registry_actor>(
    self, root, timeout, caf::get_atom::value, registry_atom::value);
  auto checkpoints = watched_request<checkpoint_store_actor>(
    self, root, timeout, caf::get_atom::value, checkpoints_atom::value);
  if (auto err = first_error(graphs, results, registry, checkpoints))
    return err;
  auto ids = watched_request<std::vector<job_id>>(
    self, *graphs, timeout, caf::get_atom::value, job_ids_atom::value);
  auto dirty = watched_request<std::vector<job_result_entry>>(
    self, *results, timeout, caf::get_atom::value, dirty_atom::value);
  auto clean = watched_request<std::vector<job_result_entry>>(
    self, *results, timeout, caf::get_atom::value, clean_atom::value);
  if (auto err = first_error(ids, dirty, clean))
    return err;
  out.job_graphs = ids->size();
  out.dirty_results = dirty->size();
  out.clean_results = clean->size();
  for (auto& id : *ids) {
    auto status = watched_request<scheduling_status>(
      self, *registry, timeout, caf::get_atom::value, id);
    if (!status)
      return status.error();
    if (*status == scheduling_status::running)
      ++out.running_jobs;
    auto retained = watched_request<std::vector<completed_checkpoint>>(
      self, *checkpoints, timeout, caf::get_atom::value, id);
    if (!retained)
      return retained.error();
    out.checkpoints += retained->size();
  }
  return caf::none;
}

/// Peers choose addresses: bytes that are not UTF-8 become U+FFFD instead
/// of failing the whole document.
std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// `x` with every control character as `\xNN`: a table on a terminal must
/// show a peer's text, never act on it.
std::string printable(const std::string& x) {
  std::string out;
  for (char c : x) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

json node_json(const cluster_status& x) {
  auto& n = x.node;
  return {{"version", n.version},
          {"started_ms", n.started_ms},
          {"now_ms", n.now_ms},
          {"uptime_ms", n.now_ms - n.started_ms},
          {"blob_bytes_in", n.blob_bytes_in},
          {"blob_bytes_out", n.blob_bytes_out}};
}

json component_json(const component_status& c) {
  return {{"name", c.name},           {"leader", c.leader},
          {"epoch", c.epoch},         {"since_ms", c.since_ms},
          {"contenders", c.contenders}, {"listeners", c.listeners}};
}

json jobs_json(const cluster_status& x) {
  return {{"graphs", x.job_graphs},          {"dirty_results", x.dirty_results},
          {"clean_results", x.clean_results}, {"running", x.running_jobs},
          {"checkpoints", x.checkpoints}};
}

json change_json(const leader_change& c) {
  return {{"component", c.component}, {"leader", c.leader},
          {"epoch", c.epoch},         {"cause", c.cause},
          {"at_ms", c.at_ms},         {"leaderless_ms", c.leaderless_ms}};
}

/// `2026-11-30 15:40:01 UTC`, or `-` for 0.
std::string utc(int64_t ms) {
  if (ms <= 0)
    return "-";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

/// `3d 04h 05m 06s`, leaving out leading zero units.
std::string duration(int64_t ms) {
  auto secs = std::max<int64_t>(ms, 0) / 1000;
  int64_t parts[] = {secs / 86400, secs / 3600 % 24, secs / 60 % 60,
                     secs % 60};
  const char* units[] = {"d", "h", "m", "s"};
  std::string out;
  for (int i = 0; i < 4; ++i)
    if (!out.empty() || parts[i] > 0 || i == 3) {
      auto num = std::to_string(parts[i]);
      if (!out.empty() && num.size() < 2)
        num = "0" + num;
      out += (out.empty() ? "" : " ") + num + units[i];
    }
  return out;
}

/// Rows padded to aligned columns, two spaces apart; control characters
/// shown as escapes.
std::string aligned(std::vector<std::vector<std::string>> rows) {
  std::vector<size_t> width;
  for (auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      row[i] = printable(row[i]);
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string change_text(const leader_change& c) {
  if (c.leader.empty())
    return "lost its leader (" + c.cause + ")";
  auto text = "leader " + c.leader + ", epoch " + std::to_string(c.epoch);
  if (!c.cause.empty())
    text += ", after " + c.cause + " and "
            + std::to_string(c.leaderless_ms) + " ms without a leader";
  return text;
}

} // namespace

caf::expected<cluster_status> collect_status(caf::scoped_actor& self,
                                             const ha_services_actor& root,
                                             caf::timespan timeout) {
  cluster_status result;
  if (auto err = ask_mode(self, root, timeout, result))
    return err;
  auto node = watched_request<node_status>(self, root, timeout,
                                           caf::get_atom::value,
                                           status_atom::value);
  if (!node)
    return node.error();
  result.node = std::move(*node);
  if (auto err = count_jobs(self, root, timeout, result))
    return err;
  return result;
}

std::string to_json(const cluster_status& x) {
  json doc{{"mode", x.mode}, {"cluster_id", x.cluster_id},
           {"node", node_json(x)}, {"jobs", jobs_json(x)},
           {"components", json::array()}, {"changes", json::array()}};
  for (auto& c : x.node.components)
    doc["components"].push_back(component_json(c));
  for (auto& c : x.node.changes)
    doc["changes"].push_back(change_json(c));
  return dump(doc);
}

std::vector<std::string> to_json_lines(const cluster_status& x) {
  std::vector<std::string> lines;
  auto line = [&](const char* kind, json fields) {
    fields["kind"] = kind;
    lines.push_back(dump(fields));
  };
  auto node = node_json(x);
  node["mode"] = x.mode;
  node["cluster_id"] = x.cluster_id;
  line("node", std::move(node));
  for (auto& c : x.node.components)
    line("component", component_json(c));
  line("jobs", jobs_json(x));
  for (auto& c : x.node.changes)
    line("change", change_json(c));
  return lines;
}

std::string to_table(const cluster_status& x) {
  auto& n = x.node;
  std::string out = aligned({
    {"mode", x.mode},
    {"cluster", x.cluster_id},
    {"node", "caf-ha " + n.version + ", up " + duration(n.now_ms - n.started_ms)
               + " (since " + utc(n.started_ms) + ")"},
    {"jobs", std::to_string(x.job_graphs) + " graphs, "
               + std::to_string(x.running_jobs) + " running, results "
               + std::to_string(x.dirty_results) + " dirty / "
               + std::to_string(x.clean_results) + " clean, "
               + std::to_string(x.checkpoints) + " checkpoints"},
    {"blobs", std::to_string(n.blob_bytes_in) + " bytes in, "
                + std::to_string(n.blob_bytes_out) + " bytes out"},
  });
  std::vector<std::vector<std::string>> rows{
    {"COMPONENT", "LEADER", "EPOCH", "SINCE", "CONTENDERS", "LISTENERS"}};
  for (auto& c : n.components)
    rows.push_back({c.name, c.leader.empty() ? "(none)" : c.leader,
                    c.leader.empty() ? "-" : std::to_string(c.epoch),
                    utc(c.since_ms), std::to_string(c.contenders),
                    std::to_string(c.listeners)});
  out += "\n" + aligned(rows);
  if (!n.changes.empty()) {
    std::vector<std::vector<std::string>> changes{
      {"WHEN", "COMPONENT", "CHANGE"}};
    for (auto& c : n.changes)
      changes.push_back({utc(c.at_ms), c.component, change_text(c)});
    out += "\n" + aligned(changes);
  }
  return out;
}

} // namespace ha::ops
