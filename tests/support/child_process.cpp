#include "tests/support/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ha::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

std::string temp_stderr_path() {
  char tmpl[] = "/tmp/caf-ha-test-stderr-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0)
    throw std::runtime_error("mkstemp failed");
  close(fd);
  return tmpl;
}

} // namespace

child_process::child_process(std::vector<std::string> argv)
  : stderr_path_(temp_stderr_path()) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // The test binary may block signals; the child must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fds[1], STDOUT_FILENO);
    int err = open(stderr_path_.c_str(), O_WRONLY | O_TRUNC);
    dup2(err, STDERR_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv)
      args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  stdout_fd_ = fds[0];
}

child_process::~child_process() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  close(stdout_fd_);
  unlink(stderr_path_.c_str());
}

std::optional<std::string>
child_process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  for (;;) {
    if (auto pos = buffer_.find('\n'); pos != std::string::npos) {
      auto line = buffer_.substr(0, pos);
      buffer_.erase(0, pos + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline
                                                         - steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    auto ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return std::nullopt;
    char chunk[4096];
    auto n = ::read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0)
      return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void child_process::signal(int sig) {
  if (!exit_code_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (exit_code_)
    return exit_code_;
  // A pidfd becomes readable when the process exits: waitpid with a timeout.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd pfd{pidfd, POLLIN, 0};
    poll(&pfd, 1, static_cast<int>(timeout.count()));
    close(pidfd);
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_)
    return std::nullopt;
  exit_code_ = exit_code_of(status);
  return exit_code_;
}

std::string child_process::error_output() const {
  std::ifstream in{stderr_path_};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string binary(const std::string& name) {
  return std::string{CAF_HA_BIN_DIR} + "/" + name;
}

long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0)
      return std::stol(line.substr(field.size() + 1));
  return 0;
}

std::string source_file(const std::string& relative) {
  return std::string{CAF_HA_SOURCE_DIR} + "/" + relative;
}

} // namespace ha::test
