#include "caf_ha/actors/journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

constexpr const char* format_name = "caf-ha-journal";

int64_t system_clock_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::string header_line() {
  nlohmann::json header{{"format", format_name},
                        {"version", journal_version}};
  return header.dump();
}

/// Writes all of `line`; false on an I/O error.
bool write_all(int fd, const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

/// True if `doc` has `key` and it is an integer. json's own conversion of a
/// float to an integer is undefined for floats outside the integer's range.
bool has_integer(const nlohmann::json& doc, const char* key) {
  auto i = doc.find(key);
  return i != doc.end() && i->is_number_integer();
}

caf::error check_header(const std::string& line, const std::string& path) {
  auto header = nlohmann::json::parse(line, nullptr, false);
  if (!header.is_object() || header.find("format") == header.end()
      || *header.find("format") != format_name)
    return make_error(errc::corrupted, path + " is not a caf-ha journal");
  if (!has_integer(header, "version")
      || header.at("version").get<int64_t>() != journal_version)
    return make_error(errc::corrupted,
                      path + " is a journal of version "
                        + header.value("version", nlohmann::json{}).dump()
                        + "; this build reads version "
                        + std::to_string(journal_version));
  return caf::none;
}

std::optional<journal_record> parse_record(const std::string& line) {
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (!doc.is_object() || !has_integer(doc, "i") || !has_integer(doc, "t"))
    return std::nullopt;
  try {
    journal_record x;
    x.index = doc.at("i").get<uint64_t>();
    x.time_us = doc.at("t").get<int64_t>();
    x.actor = doc.at("actor").get<std::string>();
    x.direction = doc.at("dir").get<std::string>();
    x.peer = doc.at("peer").get<std::string>();
    x.kind = doc.at("kind").get<std::string>();
    for (auto& field : doc.at("fields"))
      x.fields.emplace_back(field.at(0).get<std::string>(),
                            field.at(1).get<std::string>());
    return x;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

} // namespace

const std::string& journal_record::field(const std::string& key) const {
  static const std::string none;
  for (auto& [k, v] : fields)
    if (k == key)
      return v;
  return none;
}

bool same_message(const journal_record& x, const journal_record& y) {
  return x.actor == y.actor && x.direction == y.direction && x.peer == y.peer
         && x.kind == y.kind && x.fields == y.fields;
}

std::string to_json_line(const journal_record& x) {
  // Fields are [key, value] pairs, not an object: their order is part of the
  // message.
  auto fields = nlohmann::ordered_json::array();
  for (auto& [k, v] : x.fields)
    fields.push_back({k, v});
  // Ordered, so that a reader sees index, time and actor first.
  nlohmann::ordered_json doc{{"i", x.index},     {"t", x.time_us},
                             {"actor", x.actor}, {"dir", x.direction},
                             {"peer", x.peer},   {"kind", x.kind},
                             {"fields", fields}};
  // Peers choose much of a record (addresses, names): bytes that are not
  // UTF-8 are written as U+FFFD instead of failing the write.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

journal::journal(clock now, int fd, std::string node, size_t max_queued)
  : now_(std::move(now)), fd_(fd), node_(std::move(node)),
    max_queued_(max_queued) {
  if (fd_ >= 0)
    writer_ = std::thread{[this] { write_loop(); }};
}

journal::~journal() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable())
    writer_.join();
  if (fd_ >= 0)
    ::close(fd_);
}

namespace {

/// Creates `path` holding just the header, atomically: the header is
/// written to a private file that is then linked into place, so that a
/// process appending to a journal another process creates at the same time
/// never writes before the header. An existing file is left alone.
caf::error create_journal(const std::string& path) {
  std::string tmp = path + ".new-XXXXXX";
  auto fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0)
    return make_error(errc::invalid_config, std::strerror(errno));
  ::fchmod(fd, 0644);
  auto written = write_all(fd, header_line() + "\n");
  auto err = errno;
  ::close(fd);
  auto linked = written && (::link(tmp.c_str(), path.c_str()) == 0
                            || errno == EEXIST);
  if (!linked && written)
    err = errno;
  ::unlink(tmp.c_str());
  if (!linked)
    return make_error(errc::invalid_config, std::strerror(err));
  return caf::none;
}

/// Writes the header into a file that exists but is empty (created by
/// `touch` or a log rotation), once, however many processes open it.
caf::error fill_empty(int fd) {
  if (::flock(fd, LOCK_EX) != 0)
    return make_error(errc::invalid_config, std::strerror(errno));
  struct stat info;
  auto ok = ::fstat(fd, &info) == 0
            && (info.st_size > 0 || write_all(fd, header_line() + "\n"));
  auto err = errno;
  ::flock(fd, LOCK_UN);
  if (!ok)
    return make_error(errc::invalid_config, std::strerror(err));
  return caf::none;
}

} // namespace

caf::expected<std::shared_ptr<journal>>
journal::open(const std::string& path, std::string node, size_t max_queued) {
  auto fail = [&](const std::string& what) {
    return make_error(errc::invalid_config, "cannot open journal " + path
                                              + ": " + what);
  };
  auto fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (auto err = create_journal(path))
      return fail(describe(err));
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  }
  if (fd < 0)
    return fail(std::strerror(errno));
  if (auto err = fill_empty(fd)) {
    ::close(fd);
    return fail(describe(err));
  }
  std::ifstream in{path};
  std::string first;
  std::getline(in, first);
  if (auto err = check_header(first, path)) {
    ::close(fd);
    return fail(describe(err));
  }
  return std::shared_ptr<journal>{
    new journal(system_clock_us, fd, std::move(node), max_queued)};
}

std::shared_ptr<journal> journal::in_memory(clock now) {
  return std::shared_ptr<journal>{new journal(std::move(now), -1, {})};
}

std::shared_ptr<journal> journal::as_node(std::string node) {
  auto result = std::shared_ptr<journal>{new journal(now_, -1, std::move(node))};
  result->target_ = shared_from_this();
  return result;
}

void journal::append(journal_record x) {
  if (target_)
    return target_->append(std::move(x));
  std::lock_guard<std::mutex> guard{mtx_};
  x.index = next_index_++;
  x.time_us = now_();
  if (fd_ < 0) {
    // As a file would give it back, so that a replay compares like with like.
    kept_.push_back(*parse_record(to_json_line(x)));
    return;
  }
  enqueue(to_json_line(x) + "\n");
}

void journal::enqueue(std::string line) {
  if (pending_.size() >= max_queued_) {
    ++dropped_;
    if (dropped_in_burst_++ == 0)
      logger("node")->warn("journal: {} records wait for the disk "
                           "(ha.journal.max-queued): dropping records",
                           max_queued_);
    return;
  }
  if (dropped_in_burst_ > 0) {
    logger("node")->warn("journal: dropped {} records while the queue was "
                         "full",
                         std::exchange(dropped_in_burst_, 0));
  }
  pending_.push_back(std::move(line));
  cv_.notify_all();
}

uint64_t journal::recorded() const {
  if (target_)
    return target_->recorded();
  std::lock_guard<std::mutex> guard{mtx_};
  return next_index_ - 1;
}

uint64_t journal::dropped() const {
  if (target_)
    return target_->dropped();
  std::lock_guard<std::mutex> guard{mtx_};
  return dropped_;
}

std::string journal::name_of(const caf::actor_addr& addr,
                             const std::string& kind) {
  if (!addr)
    return "anonymous";
  if (target_)
    return target_->name_of(addr, kind);
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = names_.find(addr);
  if (i != names_.end())
    return i->second;
  auto name = kind + "#" + std::to_string(++counts_[kind]);
  names_.emplace(addr, name);
  return name;
}

void journal::bind(const caf::actor_addr& addr, std::string name) {
  if (target_)
    return target_->bind(addr, std::move(name));
  std::lock_guard<std::mutex> guard{mtx_};
  names_[addr] = std::move(name);
}

std::vector<journal_record> journal::records() const {
  if (target_)
    return target_->records();
  std::lock_guard<std::mutex> guard{mtx_};
  return kept_;
}

void journal::write_loop() {
  std::unique_lock<std::mutex> guard{mtx_};
  for (;;) {
    cv_.wait(guard, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty())
      return; // stopping, and everything is written
    auto line = std::move(pending_.front());
    pending_.pop_front();
    guard.unlock();
    // A failed write loses this record only; the journal is a diagnostic
    // aid and must not stop the services.
    write_all(fd_, line);
    guard.lock();
  }
}

caf::expected<journal_contents> read_journal(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(errc::not_found, "cannot read journal " + path);
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  journal_contents result;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    auto complete = end != std::string::npos;
    auto line = text.substr(pos, complete ? end - pos : std::string::npos);
    pos = complete ? end + 1 : text.size();
    ++line_no;
    if (line_no == 1) {
      if (auto err = check_header(line, path))
        return err;
      continue;
    }
    auto record = parse_record(line);
    if (record) {
      record->index = result.records.size() + 1;
      result.records.push_back(std::move(*record));
      continue;
    }
    // Only the last line can be torn: the writer appends whole lines, each
    // ending in its newline.
    if (!complete) {
      result.torn_tail = true;
      break;
    }
    return make_error(errc::corrupted, path + ": line "
                                         + std::to_string(line_no)
                                         + " is not a journal record");
  }
  if (line_no == 0)
    return make_error(errc::corrupted, path + " is empty, not a journal");
  return result;
}

caf::error write_journal(const std::string& path,
                         std::vector<journal_record> records) {
  auto tmp = path + ".tmp";
  auto fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                   0644);
  if (fd < 0)
    return make_error(errc::invalid_argument, "cannot write " + tmp + ": "
                                                + std::strerror(errno));
  auto text = header_line() + "\n";
  uint64_t index = 0;
  for (auto& x : records) {
    x.index = ++index;
    text += to_json_line(x) + "\n";
  }
  auto ok = write_all(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::invalid_argument, "cannot write " + path + ": "
                                                + std::strerror(errno));
  return caf::none;
}

} // namespace ha
