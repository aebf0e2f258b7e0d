#include "tests/support/zookeeper_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ha::test {

namespace {

using namespace std::chrono_literals;

const char* const jars[] = {
  "/usr/share/java/zookeeper.jar", "/usr/share/java/zookeeper-jute.jar",
  "/usr/share/java/slf4j-api.jar", "/usr/share/java/slf4j-log4j12.jar",
  "/usr/share/java/log4j-1.2.jar"};

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

/// The server's answer to a four-letter word, empty if it does not answer.
std::string four_letter_word(int port, const char* word) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::write(fd, word, 4) == 4) {
    pollfd p{fd, POLLIN, 0};
    char buf[1024];
    // Bounded: the server closes after answering; 1 s per read at most.
    for (int i = 0; i < 16 && ::poll(&p, 1, 1000) > 0; ++i) {
      auto n = ::read(fd, buf, sizeof(buf));
      if (n <= 0)
        break;
      reply.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

/// The `Mode:` line of `srvr` (standalone, leader, follower), empty while
/// the server does not serve.
std::string mode_of(int port) {
  auto reply = four_letter_word(port, "srvr");
  auto pos = reply.find("Mode: ");
  if (pos == std::string::npos)
    return {};
  pos += 6;
  return reply.substr(pos, reply.find('\n', pos) - pos);
}

/// A fresh directory under the temp directory; empty if none can be made.
std::string make_temp_dir(const std::string& prefix) {
  auto pattern
    = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  return ::mkdtemp(pattern.data()) == nullptr ? std::string{} : pattern;
}

/// The last `n` characters of `path`, to show why a server did not start.
std::string tail_of(const std::string& path, size_t n = 600) {
  std::ifstream in{path};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  return text.size() > n ? text.substr(text.size() - n) : text;
}

/// zoo.cfg and log4j.properties in `dir`; `extra` holds further zoo.cfg
/// lines (an ensemble's server list).
void write_config(const std::string& dir, int port,
                  const std::string& extra = {}) {
  std::filesystem::create_directories(dir + "/data");
  std::ofstream cfg{dir + "/zoo.cfg"};
  cfg << "tickTime=200\nminSessionTimeout=400\nmaxSessionTimeout=60000\n"
      << "initLimit=10\nsyncLimit=5\ndataDir=" << dir << "/data\n"
      << "clientPort=" << port << "\nclientPortAddress=127.0.0.1\n"
      << "admin.enableServer=false\n4lw.commands.whitelist=srvr,ruok,cons\n"
      << extra;
  std::ofstream log{dir + "/log4j.properties"};
  log << "log4j.rootLogger=WARN, FILE\n"
      << "log4j.appender.FILE=org.apache.log4j.FileAppender\n"
      << "log4j.appender.FILE.File=" << dir << "/server.log\n"
      << "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout\n"
      << "log4j.appender.FILE.layout.ConversionPattern=%d %p %c{1}: %m%n\n";
}

int spawn_java(const std::string& dir) {
  auto classpath = dir;
  for (auto jar : jars)
    classpath += std::string{":"} + jar;
  std::vector<std::string> argv{"java", "-Xmx256m", "-cp", classpath,
                                "org.apache.zookeeper.server.quorum."
                                "QuorumPeerMain",
                                dir + "/zoo.cfg"};
  std::vector<char*> args;
  for (auto& arg : argv)
    args.push_back(arg.data());
  args.push_back(nullptr);
  auto out = dir + "/stdout.log";
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid == 0) {
    // Dies with the test binary, even on a crash.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execvp("java", args.data());
    ::_exit(127);
  }
  return pid;
}

std::string missing_installation() {
  for (auto jar : jars)
    if (!std::filesystem::exists(jar))
      return std::string{jar} + " is missing";
  if (std::system("command -v java >/dev/null 2>&1") != 0)
    return "java is not on the PATH";
  return {};
}

} // namespace

int start_zookeeper_server(const std::string& dir, std::string& quorum,
                           std::string& why_not) {
  why_not = missing_installation();
  if (!why_not.empty())
    return -1;
  // A port can be taken between picking and binding: try a few.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto port = free_port();
    write_config(dir, port);
    auto pid = spawn_java(dir);
    // Bounded: 150 polls 0.1 s apart; srvr is the only readiness signal.
    for (int i = 0; i < 150; ++i) {
      if (mode_of(port) == "standalone") {
        quorum = "127.0.0.1:" + std::to_string(port);
        return pid;
      }
      if (::waitpid(pid, nullptr, WNOHANG) == pid)
        break;
      std::this_thread::sleep_for(100ms);
    }
    stop_zookeeper_server(pid);
  }
  why_not = "ZooKeeper did not start; see " + dir + "/server.log";
  return -1;
}

void stop_zookeeper_server(int pid) {
  if (pid <= 0)
    return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid)
      return;
    std::this_thread::sleep_for(100ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

standalone_zookeeper::standalone_zookeeper() {
  dir_ = make_temp_dir("caf-ha-zookeeper");
  if (dir_.empty()) {
    why_not_ = "mkdtemp failed";
    return;
  }
  pid_ = start_zookeeper_server(dir_, quorum_, why_not_);
}

standalone_zookeeper::~standalone_zookeeper() {
  stop_zookeeper_server(pid_);
  std::error_code ignored;
  if (!dir_.empty())
    std::filesystem::remove_all(dir_, ignored);
}

int zookeeper_sessions(const std::string& quorum) {
  auto port = std::stoi(quorum.substr(quorum.rfind(':') + 1));
  auto reply = four_letter_word(port, "cons");
  // Each client connection names its session; the asking one has none.
  int count = 0;
  for (auto pos = reply.find("sid=0x"); pos != std::string::npos;
       pos = reply.find("sid=0x", pos + 1))
    ++count;
  return count;
}

int await_zookeeper_sessions(const std::string& quorum, int count,
                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Bounded by the deadline; one `cons` per 50 ms.
  for (;;) {
    auto seen = zookeeper_sessions(quorum);
    if (seen == count || std::chrono::steady_clock::now() >= deadline)
      return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

const std::string& zookeeper_quorum() {
  static const std::string from_env = [] {
    auto x = std::getenv("CAF_HA_ZK_QUORUM");
    return std::string{x ? x : ""};
  }();
  if (!from_env.empty())
    return from_env;
  static standalone_zookeeper server;
  if (server.pid() < 0)
    throw std::runtime_error(
      "no ZooKeeper for the tests: " + server.why_not()
      + " (install the zookeeper package with .ci/install-deps, or set "
        "CAF_HA_ZK_QUORUM=host:port)");
  return server.quorum();
}

std::string unique_zookeeper_root() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return "/caf-ha-test-" + std::to_string(::getpid()) + "-"
         + std::to_string(device() % 1000000) + "-"
         + std::to_string(++counter);
}

zookeeper_ensemble::zookeeper_ensemble(int size) {
  auto why_not = missing_installation();
  if (!why_not.empty())
    throw std::runtime_error("no ZooKeeper ensemble for the tests: "
                             + why_not);
  root_ = make_temp_dir("caf-ha-ensemble");
  if (root_.empty())
    throw std::runtime_error("mkdtemp failed");
  // Three ports per server, all distinct; bounded in case the kernel hands
  // out a port twice.
  std::vector<int> ports;
  for (int i = 0; i < 100 && ports.size() < size_t(3 * size); ++i) {
    auto port = free_port();
    if (port > 0 && std::find(ports.begin(), ports.end(), port) == ports.end())
      ports.push_back(port);
  }
  if (ports.size() != size_t(3 * size))
    throw std::runtime_error("not enough free loopback ports");
  std::string server_list;
  for (int i = 0; i < size; ++i) {
    server x;
    x.dir = root_ + "/server-" + std::to_string(i + 1);
    x.client_port = ports[3 * i];
    server_list += "server." + std::to_string(i + 1) + "=127.0.0.1:"
                   + std::to_string(ports[3 * i + 1]) + ":"
                   + std::to_string(ports[3 * i + 2]) + "\n";
    servers_.push_back(std::move(x));
  }
  for (int i = 0; i < size; ++i) {
    auto& x = servers_[i];
    write_config(x.dir, x.client_port, server_list);
    std::ofstream{x.dir + "/data/myid"} << i + 1 << "\n";
    x.pid = spawn_java(x.dir);
  }
  if (await_quorum(30s) < 0) {
    auto log = tail_of(servers_[0].dir + "/server.log");
    stop_all();
    throw std::runtime_error("the ZooKeeper ensemble formed no quorum within "
                             "30 s; server 1 logged: " + log);
  }
}

zookeeper_ensemble::~zookeeper_ensemble() {
  stop_all();
}

void zookeeper_ensemble::stop_all() {
  for (auto& x : servers_) {
    stop_zookeeper_server(x.pid);
    x.pid = -1;
  }
  std::error_code ignored;
  if (!root_.empty())
    std::filesystem::remove_all(root_, ignored);
}

std::string zookeeper_ensemble::quorum() const {
  std::string result;
  for (auto& x : servers_)
    result += (result.empty() ? "" : ",") + std::string{"127.0.0.1:"}
              + std::to_string(x.client_port);
  return result;
}

std::string zookeeper_ensemble::mode(int i) const {
  return running(i) ? mode_of(servers_.at(i).client_port) : std::string{};
}

bool zookeeper_ensemble::running(int i) const {
  return servers_.at(i).pid > 0;
}

int zookeeper_ensemble::await_quorum(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Bounded by the deadline; polls 50 ms apart, srvr answers at once.
  do {
    int leader = -1;
    int serving = 0;
    int up = 0;
    for (int i = 0; i < size(); ++i) {
      if (!running(i))
        continue;
      ++up;
      auto m = mode(i);
      if (m == "leader")
        leader = leader < 0 ? i : size(); // Two leaders: not settled yet.
      if (m == "leader" || m == "follower")
        ++serving;
    }
    if (leader >= 0 && leader < size() && serving == up)
      return leader;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

void zookeeper_ensemble::kill(int i) {
  auto& x = servers_.at(i);
  if (x.pid <= 0)
    throw std::logic_error("server " + std::to_string(i) + " is not running");
  ::kill(x.pid, SIGKILL);
  ::waitpid(x.pid, nullptr, 0);
  x.pid = -1;
}

void zookeeper_ensemble::restart(int i) {
  auto& x = servers_.at(i);
  if (x.pid > 0)
    throw std::logic_error("server " + std::to_string(i) + " is running");
  x.pid = spawn_java(x.dir);
}

} // namespace ha::test
