#include "caf_ha/config/options.hpp"

#include <algorithm>
#include <cctype>

#include "caf_ha/config/validators.hpp"

namespace ha {

const std::vector<option>& option_table() {
  using namespace validators;
  // Adding an option is adding one entry here.
  static const std::vector<option> table{
    {"high-availability", "NONE", mode,
     "HA mode: NONE, embedded, sqlite or zookeeper (any case).",
     "high-availability.type"},
    {"high-availability.cluster-id", "default", cluster_id,
     "Namespace of this cluster in the backend; letters, digits, '.', '_', "
     "'-'."},
    {"high-availability.storageDir", "", local_path,
     "Directory for durable state and blobs (sqlite, zookeeper); "
     "`file://` is stripped."},
    {"high-availability.zookeeper.quorum", "", zookeeper_quorum,
     "ZooKeeper servers as host:port[,host:port...]."},
    {"high-availability.zookeeper.client.session-timeout", "60000",
     positive_millis, "ZooKeeper session timeout in milliseconds."},
    {"high-availability.zookeeper.client.connection-timeout", "15000",
     positive_millis, "ZooKeeper connection timeout in milliseconds."},
    {"high-availability.zookeeper.client.retry-wait", "5000", positive_millis,
     "Wait between ZooKeeper connection retries in milliseconds."},
    {"high-availability.zookeeper.client.max-retry-attempts", "3",
     non_negative_int, "ZooKeeper connection retries before giving up."},
    {"high-availability.zookeeper.client.revoke-on-suspend", "false", boolean,
     "Revoke leadership as soon as the ZooKeeper connection is suspended, "
     "not only when the session is lost."},
    {"high-availability.zookeeper.client.acl", "open",
     [](const std::string& key, const std::string& value)
       -> caf::expected<std::string> {
       if (value == "open" || value == "creator")
         return value;
       return invalid_value(key, value, "open or creator");
     },
     "ACL of the nodes the cluster creates: open (anyone) or creator (only "
     "sessions with the same digest credentials)."},
    {"high-availability.zookeeper.client.auth", "",
     [](const std::string& key, const std::string& value)
       -> caf::expected<std::string> {
       // A credential: the message must not repeat it.
       auto colon = value.find(':');
       if (colon != std::string::npos && colon > 0)
         return value;
       return invalid_value(key, "(not shown)",
                            "user:password with a non-empty user");
     },
     "Digest credentials `user:password` for ZooKeeper; needed by the "
     "creator ACL. Prefer `auth-file`."},
    {"high-availability.zookeeper.client.auth-file", "", local_path,
     "File holding the digest credentials `user:password` (one line)."},
    {"high-availability.zookeeper.path.root", "/flink", znode_path,
     "ZooKeeper node under which all clusters live."},
    {"ha.node.host", "127.0.0.1", host,
     "Address ha-node publishes its services on."},
    {"ha.node.port", "4242", listen_port,
     "Port ha-node publishes its services on; 0 picks a free port."},
    {"ha.node.allow-plaintext", "false", boolean,
     "Let ha-node listen on a non-loopback address without mutual TLS "
     "(peers then reach the services unauthenticated)."},
    {"ha.metrics.host", "127.0.0.1", host,
     "Address of ha-node's HTTP endpoint: `/metrics` (Prometheus), "
     "`/status.json` and the status page `/`."},
    {"ha.metrics.port", "", listen_port,
     "Port of that endpoint; off unless set; 0 picks a free port."},
    {"ha.admin.secret-file", "", local_path,
     "File holding the admin secret that remote `close`, `transfer` and "
     "`cleanup` must present; without it they are refused from remote "
     "peers."},
    {"ha.services.idle-timeout", "30000",
     [](const std::string& key, const std::string& value)
       -> caf::expected<std::string> {
       auto millis = positive_millis(key, value);
       if (millis && std::stol(*millis) > 60000)
         return invalid_value(key, value, "1 to 60000 milliseconds");
       return millis;
     },
     "An elector or retriever that no contender or listener has joined is "
     "stopped after this long (ms); at most 60000."},
    {"ha.election.fail-back", "", component_list,
     "Components (comma-separated, or *) whose leader hands over, through a "
     "transfer, to a contender of higher priority that joins."},
    {"ha.election.drain-timeout", "10000", positive_millis,
     "How long a leader that declared it drains may take to say it drained "
     "before it is revoked anyway (ms)."},
    {"ha.store.require-fence", "false", boolean,
     "Refuse writes to leader-owned data (job graphs, results, registry, "
     "checkpoints) that carry no fencing token."},
    {"ha.blob.max-uploads-per-peer", "4", positive_count,
     "Open chunked uploads one client may hold at once."},
    {"ha.blob.max-uploads", "64", positive_count,
     "Open chunked uploads of all clients together."},
    {"ha.journal.max-queued", "65536", positive_count,
     "Journal records waiting to be written; beyond that records are "
     "dropped (counted and logged), never blocking the services."},
    {"ha.heartbeat.interval", "1000", positive_millis,
     "How often peers of the CAF network send heartbeats (ms)."},
    {"ha.heartbeat.timeout", "5000", positive_millis,
     "Silence after which a peer counts as failed: its contenders are "
     "revoked, its listeners dropped (ms). Must be larger than "
     "ha.heartbeat.interval."},
    {"ha.journal.path", "", local_path,
     "Append every message the service actors (electors, retrievers, "
     "stores) receive and send to this file (JSON lines, see \"Message "
     "journal\"); off if empty."},
    {"ha.journal.node", "", cluster_id,
     "This process's name in a journal that several processes share: its "
     "actors are recorded as `<actor>@<node>`; empty adds nothing."},
    {"ha.client.reconnect.initial-backoff", "100", positive_millis,
     "First wait before a client reconnects to a lost ha-node; doubles "
     "with each failed attempt (ms)."},
    {"ha.client.reconnect.max-backoff", "5000", positive_millis,
     "Longest wait between two reconnection attempts (ms)."},
    {"ha.client.reconnect.max-attempts", "0", non_negative_int,
     "Failed reconnection attempts in a row after which a client gives up; "
     "0 retries forever."},
    {"ha.tls.certificate", "", local_path,
     "PEM certificate (chain) this process presents; with `ha.tls.key` and "
     "`ha.tls.ca-file` it turns on mutual TLS."},
    {"ha.tls.key", "", local_path, "PEM private key of `ha.tls.certificate`."},
    {"ha.tls.ca-file", "", local_path,
     "PEM CA certificate(s); peers must present a certificate they signed."},
    {"ha.tls.passphrase", "",
     [](const std::string&, const std::string& value)
       -> caf::expected<std::string> { return value; },
     "Passphrase of an encrypted `ha.tls.key` (visible in `ps`; prefer "
     "`ha.tls.passphrase-file`)."},
    {"ha.tls.passphrase-file", "", local_path,
     "File holding the passphrase of an encrypted `ha.tls.key` (one line)."},
    {"jobmanager.rpc.address", "localhost", host,
     "Fixed job manager address in NONE mode."},
    {"jobmanager.rpc.port", "6123", port,
     "Fixed job manager port in NONE mode."},
    {"rest.address", "localhost", host, "Fixed REST address in NONE mode."},
    {"rest.port", "8081", port, "Fixed REST port in NONE mode."},
  };
  return table;
}

const option* find_option(const std::string& key) {
  for (auto& opt : option_table())
    if (opt.key == key || (!opt.alias.empty() && opt.alias == key))
      return &opt;
  return nullptr;
}

namespace {

std::string lowercase(std::string x) {
  for (auto& c : x)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return x;
}

/// Levenshtein distance, one row at a time.
size_t edit_distance(const std::string& x, const std::string& y) {
  std::vector<size_t> row(y.size() + 1);
  for (size_t j = 0; j < row.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    auto diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      auto replaced = diagonal + (x[i - 1] == y[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, replaced});
    }
  }
  return row.back();
}

/// Escapes `|` so a doc line cannot break the Markdown table.
std::string table_cell(const std::string& text) {
  std::string result;
  for (auto c : text) {
    if (c == '|')
      result += '\\';
    result += c;
  }
  return result;
}

} // namespace

std::string closest_option_key(const std::string& key) {
  // Case slips (storagedir) and up to two typos count as close.
  constexpr size_t max_distance = 2;
  auto wanted = lowercase(key);
  std::string best;
  auto best_distance = max_distance + 1;
  auto consider = [&](const std::string& candidate) {
    // The distance is at least the difference in length.
    auto longer = std::max(wanted.size(), candidate.size());
    auto shorter = std::min(wanted.size(), candidate.size());
    if (candidate.empty() || longer - shorter > max_distance)
      return;
    auto distance = edit_distance(wanted, lowercase(candidate));
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  };
  for (auto& opt : option_table()) {
    consider(opt.key);
    consider(opt.alias);
  }
  return best;
}

std::string option_table_markdown() {
  std::string result = "| key | default | description |\n|---|---|---|\n";
  for (auto& opt : option_table()) {
    auto doc = opt.doc;
    if (!opt.alias.empty())
      doc += " Alias: `" + opt.alias + "`.";
    result += "| `" + opt.key + "` | ";
    result += opt.default_value.empty() ? "(no default)"
                                        : "`" + opt.default_value + "`";
    result += " | " + table_cell(doc) + " |\n";
  }
  return result;
}

} // namespace ha
