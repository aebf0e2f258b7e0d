// Multi-process: ha-node (sqlite mode) on storage that fills up, turns
// read-only or disappears, and a blob put cut short by kill -9. Writes fail
// fast with one line naming the cause, nothing acknowledged is lost, reads
// and retrieval go on, writes resume by themselves once space returns, no
// epoch is granted twice and no temporary file outlives a restart. The
// file-system faults need a tmpfs the test mounts (root); elsewhere those
// cases print "SKIPPED: ..." and check nothing else.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;
namespace fs = std::filesystem;

namespace {

const std::string job = "0123456789abcdef0123456789abcdef";

/// A tmpfs of `size` mounted on a fresh directory, unmounted (detached if
/// still busy) and removed at scope exit, also when the test fails.
class tmpfs_mount {
public:
  explicit tmpfs_mount(const std::string& size) : options_("size=" + size) {
    auto pattern = (fs::temp_directory_path() / "caf-ha-tmpfs-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      why_ = std::strerror(errno);
      return;
    }
    path_ = pattern;
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options_.c_str()) != 0)
      why_ = std::strerror(errno);
    else
      mounted_ = true;
  }

  ~tmpfs_mount() {
    if (mounted_)
      ::umount2(path_.c_str(), MNT_DETACH);
    if (!path_.empty())
      ::rmdir(path_.c_str());
  }

  tmpfs_mount(const tmpfs_mount&) = delete;
  tmpfs_mount& operator=(const tmpfs_mount&) = delete;

  bool mounted() const {
    return mounted_;
  }

  const std::string& why() const {
    return why_;
  }

  const fs::path& path() const {
    return path_;
  }

  /// 0 or the errno of `mount -o remount,ro` (or `rw`).
  int remount(bool read_only) {
    auto flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
    return ::mount("tmpfs", path_.c_str(), "tmpfs", flags, options_.c_str())
               == 0
             ? 0
             : errno;
  }

private:
  std::string options_;
  fs::path path_;
  std::string why_;
  bool mounted_ = false;
};

/// Prints the skip line of a test that needs a tmpfs; true if skipping.
bool skip_without(const tmpfs_mount& mnt) {
  if (mnt.mounted())
    return false;
  std::cout << "SKIPPED: cannot mount tmpfs: " << mnt.why() << std::endl;
  WARN("SKIPPED: cannot mount tmpfs: " << mnt.why());
  return true;
}

struct hactl_result {
  int code;
  std::string out;
  std::string err;
  std::chrono::milliseconds took;
};

hactl_result run(const std::string& endpoint, std::vector<std::string> args) {
  auto start = std::chrono::steady_clock::now();
  auto proc = hactl(endpoint, std::move(args));
  std::string out;
  for (int i = 0; i < 100; ++i) {
    auto line = proc->read_line(30s);
    if (!line)
      break;
    out += *line + "\n";
  }
  auto code = proc->wait(30s);
  REQUIRE(code);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  return {*code, out, proc->error_output(), took};
}

/// A file of `size` pseudo-random bytes.
fs::path make_file(const fs::path& path, size_t size) {
  std::mt19937 gen{7};
  std::string bytes(size, '\0');
  for (auto& c : bytes)
    c = static_cast<char>(gen());
  std::ofstream{path, std::ios::binary} << bytes;
  return path;
}

hactl_result put_graph(const std::string& endpoint, const fs::path& file,
                       int n) {
  return run(endpoint, {"jobs", "put", file.string(), "--job-id", job_hex(n)});
}

bool has_graph(const std::string& endpoint, int n) {
  return run(endpoint, {"jobs", "get", job_hex(n)}).code == 0;
}

/// Writes zeros to `path` until the file system is full; bounded by `max`.
void fill(const fs::path& path, size_t max) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  std::vector<char> chunk(64 * 1024, '\0');
  size_t written = 0;
  int err = 0;
  while (written < max) {
    auto n = ::write(fd, chunk.data(), chunk.size());
    if (n <= 0) {
      err = errno;
      break;
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  REQUIRE(err == ENOSPC);
}

/// Files below `dir` whose name starts with `prefix`.
std::vector<fs::path> files_named(const fs::path& dir,
                                  const std::string& prefix) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::recursive_directory_iterator i{dir, ec}, end; !ec && i != end;
       i.increment(ec))
    if (i->path().filename().string().rfind(prefix, 0) == 0)
      found.push_back(i->path());
  return found;
}

/// A `hactl contend COMPONENT` that reached `event` (confirmed or error).
std::pair<std::unique_ptr<child_process>, nlohmann::json>
contend(const std::string& endpoint, const std::string& component,
        const std::string& event) {
  auto proc = hactl(endpoint, {"contend", component, "--address", "x:1"});
  auto ev = await_event(*proc, event);
  return {std::move(proc), std::move(ev)};
}

/// The epoch `leader get COMPONENT` reports.
uint64_t leader_epoch(const std::string& endpoint,
                      const std::string& component) {
  auto seen = hactl_lines(endpoint, {"leader", "get", component});
  REQUIRE(seen.size() == 1);
  return seen[0]["epoch"].get<uint64_t>();
}

/// Stops the node with SIGTERM; it must exit 0 within 10 s.
void stop(running_node& node) {
  node.process->signal(SIGTERM);
  REQUIRE(node.process->wait(10s) == 0);
}

} // namespace

TEST_CASE("disk full: writes fail fast naming the cause, reads and "
          "elections go on, writes resume by themselves once space returns",
          "[system][disk]") {
  tmpfs_mount mnt{"8m"};
  if (skip_without(mnt))
    return;
  temp_dir files;
  auto small = make_file(files.path() / "small.bin", 1024);
  auto big = make_file(files.path() / "big.bin", 2 * 1024 * 1024);
  auto storage = (mnt.path() / "ha-data").string();
  running_node node{{}, storage};
  REQUIRE(put_graph(node.endpoint, small, 1).code == 0);
  auto [leader, confirmed] = contend(node.endpoint, "rest", "confirmed");
  auto filler = mnt.path() / "filler";
  fill(filler, 16 * 1024 * 1024);
  auto refused = put_graph(node.endpoint, big, 2);
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("file system is full"));
  CHECK(refused.took < 10s);
  auto blob = run(node.endpoint, {"blobs", "put", big.string(), "--job-id", job});
  CHECK(blob.code == 1);
  CHECK_THAT(blob.err, Catch::Contains("No space left on device"));
  CHECK(files_named(storage, ".tmp-").empty());
  // Reads and the current leader go on; a new grant needs a durable record
  // and is refused naming the cause.
  CHECK(has_graph(node.endpoint, 1));
  CHECK(leader_epoch(node.endpoint, "rest") == confirmed["epoch"]);
  {
    auto [stuck, error] = contend(node.endpoint, "dispatcher", "error");
    CHECK_THAT(error["error"].get<std::string>(),
               Catch::Contains("file system is full"));
  }
  fs::remove(filler);
  auto resumed = put_graph(node.endpoint, big, 2);
  INFO("hactl stderr: " << resumed.err);
  CHECK(resumed.code == 0);
  CHECK(run(node.endpoint, {"blobs", "put", big.string(), "--job-id", job}).code
        == 0);
  contend(node.endpoint, "dispatcher", "confirmed");
  stop(node);
  running_node restarted{{}, storage};
  CHECK(has_graph(restarted.endpoint, 1));
  CHECK(has_graph(restarted.endpoint, 2));
}

TEST_CASE("read-only storage: the kernel refuses it under a running node, "
          "a node started on it fails with one line naming it, and works "
          "again once it is writable",
          "[system][disk]") {
  tmpfs_mount mnt{"8m"};
  if (skip_without(mnt))
    return;
  temp_dir files;
  auto small = make_file(files.path() / "small.bin", 1024);
  auto storage = (mnt.path() / "ha-data").string();
  {
    running_node node{{}, storage};
    REQUIRE(put_graph(node.endpoint, small, 1).code == 0);
    // A file open for writing (the database) keeps a mount writable:
    // `mount -o remount,ro` fails with EBUSY, so a running node never sees
    // its storage turn read-only this way.
    CHECK(mnt.remount(true) == EBUSY);
    stop(node);
  }
  REQUIRE(mnt.remount(true) == 0);
  auto refused = run_to_end({binary("ha-node"), "-D", "ha.node.port=0", "-D",
                             "high-availability.storageDir=" + storage});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.stderr_text, Catch::Contains("read-only")
                                    && Catch::Contains(storage));
  REQUIRE(mnt.remount(false) == 0);
  running_node node{{}, storage};
  CHECK(has_graph(node.endpoint, 1));
  CHECK(put_graph(node.endpoint, small, 2).code == 0);
}

TEST_CASE("storage deleted under a running node: writes are refused naming "
          "it, reads go on, no grant without a record, and no epoch is "
          "granted twice after the restart",
          "[system][disk]") {
  temp_dir files;
  temp_dir parent;
  auto small = make_file(files.path() / "small.bin", 1024);
  auto storage = (parent.path() / "ha-data").string();
  running_node node{{}, storage};
  auto [first, confirmed] = contend(node.endpoint, "rest", "confirmed");
  auto first_epoch = confirmed["epoch"].get<uint64_t>();
  REQUIRE(put_graph(node.endpoint, small, 1).code == 0);
  fs::remove_all(storage);
  auto refused = put_graph(node.endpoint, small, 2);
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("deleted or replaced")
                            && Catch::Contains("restart ha-node"));
  CHECK(refused.took < 10s);
  auto blob
    = run(node.endpoint, {"blobs", "put", small.string(), "--job-id", job});
  CHECK(blob.code == 1);
  CHECK_THAT(blob.err, Catch::Contains("deleted or replaced"));
  CHECK_FALSE(fs::exists(storage));
  // Reads come from the files ha-node still holds open.
  CHECK(has_graph(node.endpoint, 1));
  CHECK(leader_epoch(node.endpoint, "rest") == first_epoch);
  // The successor's grant cannot be recorded: it is not granted.
  auto second = hactl(node.endpoint, {"contend", "rest", "--address", "b:1"});
  await_event(*second, "joined");
  first->signal(SIGKILL);
  auto error = await_event(*second, "error");
  CHECK(error["component"] == "rest");
  stop(node);
  second.reset();
  running_node restarted{{}, storage};
  auto third = contend(restarted.endpoint, "rest", "confirmed");
  CHECK(third.second["epoch"].get<uint64_t>() > first_epoch);
}

TEST_CASE("kill -9 of ha-node during a blob put leaves no partial blob and "
          "no temporary file after the next start",
          "[system][disk]") {
  temp_dir files;
  temp_dir storage;
  auto input = make_file(files.path() / "large.bin", 64 * 1024 * 1024);
  std::vector<fs::path> partial;
  {
    running_node node{{}, storage.str()};
    auto put = hactl(node.endpoint, {"blobs", "put", input.string(),
                                     "--job-id", job});
    // Polls until the upload's temporary file holds data, then kills.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (partial.empty() && std::chrono::steady_clock::now() < deadline) {
      for (auto& f : files_named(storage.path(), ".tmp-")) {
        std::error_code ec;
        if (fs::file_size(f, ec) > 0 && !ec)
          partial.push_back(f);
      }
      std::this_thread::sleep_for(1ms);
    }
    node.process->signal(SIGKILL);
    REQUIRE(node.process->wait(10s));
  }
  REQUIRE_FALSE(partial.empty());
  REQUIRE(fs::exists(partial.front()));
  running_node restarted{{}, storage.str()};
  CHECK(files_named(storage.path(), ".tmp-").empty());
  CHECK(files_named(storage.path(), "blob_").empty());
  CHECK(run(restarted.endpoint, {"blobs", "put", input.string(), "--job-id",
                                 job})
          .code
        == 0);
}
