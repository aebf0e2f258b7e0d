#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/expected.hpp>

namespace ha {

/// The journal's format version, written in its first line. A reader
/// refuses other versions instead of misreading them.
constexpr int journal_version = 1;

/// One message a service actor received (`in`) or sent (`out`): a message
/// to a peer, a reply, or a call into its backend driver (`driver.*`).
/// `fields` hold the content, in the order of the message's arguments, as
/// text that the replay turns back into the message.
struct journal_record {
  uint64_t index = 0;  // position among the journal's records, from 1
  int64_t time_us = 0; // the journal clock: microseconds since the epoch
  /// elector/dispatcher, retriever/rest, job_graph_store; `@<node>` appended
  /// in a journal shared by several processes.
  std::string actor;
  std::string direction;
  std::string peer; // stable: contender#2, listener#1, client#1, driver
  std::string kind; // join, confirm, grant, reply, down, driver.publish...
  std::vector<std::pair<std::string, std::string>> fields;

  /// The value of `key`, or the empty string.
  const std::string& field(const std::string& key) const;
};

/// Equal in everything a replay must reproduce: all but index and time.
bool same_message(const journal_record& x, const journal_record& y);

/// One line of the file, without the newline.
std::string to_json_line(const journal_record& x);

/// An append-only record of messages, shared by every journaled actor of a
/// process. Appending never blocks on I/O: a writer thread owns the file.
/// At most `max_queued` records wait for it; beyond that records are
/// dropped, counted and logged, so that a slow disk never slows the
/// services or fills the memory.
/// Each record is one `write` of one line, so a process killed mid-write
/// leaves at most a torn last line, which `read_journal` drops.
class journal : public std::enable_shared_from_this<journal> {
public:
  using clock = std::function<int64_t()>;

  /// Appends to `path` (created with its header line if missing); fails
  /// with invalid_config naming the path if it cannot be opened or holds
  /// another format. Several processes may append to one file, each under
  /// its own `node` name (`ha.journal.node`).
  static caf::expected<std::shared_ptr<journal>>
  open(const std::string& path, std::string node = {},
       size_t max_queued = default_max_queued);

  /// `ha.journal.max-queued`'s default.
  static constexpr size_t default_max_queued = 65536;

  /// Keeps records in memory only; `now` is the clock (the replay sets it
  /// to the recorded times).
  static std::shared_ptr<journal> in_memory(clock now);

  ~journal();

  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Numbers, stamps and stores `x`. Thread-safe.
  void append(journal_record x);

  /// The stable name of `addr`: `<kind>#<n>` with n counting the actors of
  /// that kind in the order this journal first saw them.
  std::string name_of(const caf::actor_addr& addr, const std::string& kind);

  /// Gives `addr` a fixed name (the replay binds its stand-ins to the names
  /// of the journal it replays).
  void bind(const caf::actor_addr& addr, std::string name);

  /// The records kept in memory (of an in-memory journal).
  std::vector<journal_record> records() const;

  /// A journal that keeps its records and names in this one, for actors of
  /// the process `node` (the replay of a journal shared by processes).
  std::shared_ptr<journal> as_node(std::string node);

  /// Records taken, written or dropped.
  uint64_t recorded() const;

  /// Records dropped because the queue was full.
  uint64_t dropped() const;

  /// This process's name in a shared journal; empty if not shared.
  const std::string& node() const {
    return node_;
  }

private:
  journal(clock now, int fd, std::string node,
          size_t max_queued = default_max_queued);

  void write_loop();

  /// Queues `line` for the writer, or counts it as dropped.
  void enqueue(std::string line);

  clock now_;
  int fd_;
  std::string node_;
  /// Set by `as_node`: where records and names go.
  std::shared_ptr<journal> target_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t next_index_ = 1;
  std::deque<std::string> pending_;
  size_t max_queued_;
  uint64_t dropped_ = 0;
  /// Dropped since the queue last had room: reported once it has again.
  uint64_t dropped_in_burst_ = 0;
  bool stopping_ = false;
  std::vector<journal_record> kept_;
  std::map<caf::actor_addr, std::string> names_;
  std::map<std::string, size_t> counts_;
  std::thread writer_;
};

/// What a journal file holds.
struct journal_contents {
  std::vector<journal_record> records;
  /// True if the last line was incomplete (the writer was killed) and was
  /// dropped.
  bool torn_tail = false;
};

/// Reads a journal file. Records are numbered by their position in the
/// file (several writers may share it). A torn last line is dropped; any
/// other line that does not parse, or a header of another version, is an
/// error (corrupted, naming the file and line).
caf::expected<journal_contents> read_journal(const std::string& path);

/// Writes `records`, numbered again from 1, as a fresh journal that
/// replaces `path` atomically (temp file, fsync, rename).
caf::error write_journal(const std::string& path,
                         std::vector<journal_record> records);

} // namespace ha
