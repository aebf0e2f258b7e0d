// Multi-process: the blob store behind ha-node (sqlite mode), used through
// hactl: durable across kill -9, corruption detected, removal, and a put
// that fails fast when the node dies during it.

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"

using namespace ha::test;
namespace fs = std::filesystem;

namespace {

const std::string job = "0123456789abcdef0123456789abcdef";

std::string read_all(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Three and a half chunks of pseudo-random bytes, so that a transfer takes
/// several messages and the last one is short.
std::string make_content() {
  std::mt19937 gen{42};
  std::string result(3 * 1024 * 1024 + 512 * 1024, '\0');
  for (auto& c : result)
    c = static_cast<char>(gen());
  return result;
}

struct hactl_result {
  int code;
  std::string out;
  std::string err;
};

hactl_result run(const std::string& endpoint, std::vector<std::string> args) {
  auto proc = hactl(endpoint, std::move(args));
  std::string out;
  for (int i = 0; i < 100; ++i) {
    auto line = proc->read_line(30s);
    if (!line)
      break;
    out += *line;
  }
  auto code = proc->wait(30s);
  REQUIRE(code);
  return {*code, out, proc->error_output()};
}

std::string put(const std::string& endpoint, const fs::path& file) {
  auto res = run(endpoint, {"blobs", "put", file.string(), "--job-id", job});
  INFO("hactl stderr: " << res.err);
  REQUIRE(res.code == 0);
  auto json = nlohmann::json::parse(res.out);
  return json["key"].get<std::string>();
}

/// The one stored file of blob `key` below `storage`.
fs::path stored_file(const fs::path& storage, const std::string& key) {
  std::vector<fs::path> found;
  for (auto& entry : fs::recursive_directory_iterator(storage))
    if (entry.path().filename().string().find(key) != std::string::npos)
      found.push_back(entry.path());
  REQUIRE(found.size() == 1);
  return found.front();
}

/// A storage directory for ha-node and a directory of client files holding
/// `input.bin`.
struct blob_files {
  temp_dir storage;
  temp_dir files;
  fs::path input = files.path() / "input.bin";
  fs::path output = files.path() / "output.bin";

  explicit blob_files(const std::string& content) {
    std::ofstream{input, std::ios::binary} << content;
  }
};

} // namespace

TEST_CASE("blobs put by hactl survive kill -9 of ha-node and come back "
          "byte for byte", "[system][blobs]") {
  auto content = make_content();
  blob_files f{content};
  std::string key;
  {
    running_node node{{}, f.storage.str()};
    key = put(node.endpoint, f.input);
    CHECK(key.rfind("p-", 0) == 0);
    node.process->signal(SIGKILL);
    REQUIRE(node.process->wait(10s));
  }
  running_node restarted{{}, f.storage.str()};
  auto res = run(restarted.endpoint, {"blobs", "get", key, "--job-id", job,
                                      "--out", f.output.string()});
  INFO("hactl stderr: " << res.err);
  REQUIRE(res.code == 0);
  CHECK(read_all(f.output) == content);
}

TEST_CASE("ha-node never holds a blob whole: its peak memory stays under "
          "64 MiB through a 256 MiB put and get", "[system][blobs]") {
  // A pattern, not random bytes: the test is about memory, and writing the
  // file stays quick.
  std::string content(256 << 20, '\0');
  for (size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>((i * 131) >> 7);
  blob_files f{content};
  content = std::string{};
  running_node node{{}, f.storage.str()};
  auto key = put(node.endpoint, f.input);
  auto res = run(node.endpoint, {"blobs", "get", key, "--job-id", job,
                                 "--out", f.output.string()});
  INFO("hactl stderr: " << res.err);
  REQUIRE(res.code == 0);
  CHECK(fs::file_size(f.output) == fs::file_size(f.input));
  auto peak_kb = status_kb(node.process->pid(), "VmHWM");
  INFO("ha-node VmHWM " << peak_kb << " kB");
  CHECK(peak_kb > 0);
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer's allocator keeps what it frees (a ha-node built with
  // it peaks at ~330 MiB here): the bound holds for the build without it.
  WARN("peak memory not judged under AddressSanitizer");
#else
  CHECK(peak_kb < 64 * 1024);
#endif
}

TEST_CASE("a flipped byte in a blob file makes blobs get fail with a hash "
          "error and write no output file", "[system][blobs]") {
  auto content = make_content();
  blob_files f{content};
  running_node node{{}, f.storage.str()};
  auto key = put(node.endpoint, f.input);
  auto stored = stored_file(f.storage.path(), key);
  {
    std::fstream io{stored, std::ios::in | std::ios::out | std::ios::binary};
    io.seekp(1024 * 1024 + 7);
    io.put(static_cast<char>(content[1024 * 1024 + 7] ^ 0x01));
  }
  auto res = run(node.endpoint, {"blobs", "get", key, "--job-id", job,
                                 "--out", f.output.string()});
  CHECK(res.code != 0);
  CHECK(res.err.find("corrupted") != std::string::npos);
  CHECK(res.err.find("hashes to") != std::string::npos);
  CHECK_FALSE(fs::exists(f.output));
  // Nothing besides the input: no partial or temporary output either.
  CHECK(std::distance(fs::directory_iterator(f.files.path()),
                      fs::directory_iterator()) == 1);
}

TEST_CASE("blobs remove and remove-all delete through hactl, a removed blob "
          "is not found", "[system][blobs]") {
  blob_files f{"small blob"};
  running_node node{{}, f.storage.str()};
  auto first = put(node.endpoint, f.input);
  auto second = put(node.endpoint, f.input);
  CHECK(first != second);
  auto removed = run(node.endpoint, {"blobs", "remove", first, "--job-id",
                                     job});
  REQUIRE(removed.code == 0);
  auto missing = run(node.endpoint, {"blobs", "get", first, "--job-id", job,
                                     "--out", f.output.string()});
  CHECK(missing.code != 0);
  CHECK(missing.err.find("not found") != std::string::npos);
  auto kept = run(node.endpoint, {"blobs", "get", second, "--job-id", job,
                                  "--out", f.output.string()});
  REQUIRE(kept.code == 0);
  CHECK(read_all(f.output) == "small blob");
  REQUIRE(run(node.endpoint, {"blobs", "remove-all", job}).code == 0);
  fs::remove(f.output);
  auto gone = run(node.endpoint, {"blobs", "get", second, "--job-id", job,
                                  "--out", f.output.string()});
  CHECK(gone.code != 0);
  CHECK_FALSE(fs::exists(f.output));
}

namespace {

/// A named pipe that a thread keeps full until stopped: a file without end
/// for `blobs put`. The pipe is held open for reading too, so that writing
/// never blocks on a reader that went away.
class endless_file {
public:
  explicit endless_file(fs::path path) : path_(std::move(path)) {
    REQUIRE(::mkfifo(path_.c_str(), 0600) == 0);
    fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(fd_ >= 0);
    writer_ = std::thread{[this] { feed(); }};
  }

  ~endless_file() {
    stop_ = true;
    writer_.join();
    ::close(fd_);
  }

  const fs::path& path() const {
    return path_;
  }

private:
  void feed() {
    std::vector<char> block(64 * 1024, 'x');
    while (!stop_) {
      pollfd writable{fd_, POLLOUT, 0};
      if (::poll(&writable, 1, 50) == 1)
        static_cast<void>(::write(fd_, block.data(), block.size()));
    }
  }

  fs::path path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread writer_;
};

/// True once a temporary blob file below `storage` holds `bytes` or more:
/// an upload is under way at the node. Waits at most `timeout`.
bool upload_under_way(const fs::path& storage, uintmax_t bytes,
                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (fs::recursive_directory_iterator i{storage, ec}, end; !ec && i != end;
         i.increment(ec)) {
      std::error_code size_ec;
      if (i->path().filename().string().rfind(".tmp-", 0) == 0
          && fs::file_size(i->path(), size_ec) >= bytes && !size_ec)
        return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

} // namespace

TEST_CASE("blobs put fails within seconds, saying the connection was lost, "
          "when ha-node is killed during the upload",
          "[system][blobs]") {
  blob_files f{""};
  endless_file input{f.files.path() / "endless"};
  running_node node{{}, f.storage.str()};
  auto put = hactl(node.endpoint, {"blobs", "put", input.path().string(),
                                   "--job-id", job});
  REQUIRE(upload_under_way(f.storage.path(), 2 * 1024 * 1024, 60s));
  node.process->signal(SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  REQUIRE(node.process->wait(10s));
  auto code = put->wait(30s);
  auto took = std::chrono::steady_clock::now() - killed;
  REQUIRE(code);
  INFO("hactl stderr: " << put->error_output());
  CHECK(*code != 0);
  // Within a second without sanitizers; far below the 30 s request
  // timeout it used to wait out, with room for a sanitized build.
  CHECK(took < 15s);
  CHECK(put->error_output().find("lost the connection to ha-node")
        != std::string::npos);
}
