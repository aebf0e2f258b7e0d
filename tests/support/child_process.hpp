#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace ha::test {

/// A program the system tests start: stdout is read line by line with a
/// deadline, stderr goes to a file that can be read at any time. The
/// destructor kills the process if it still runs, so a failing test leaves
/// nothing behind.
class child_process {
public:
  /// Starts `argv[0]` with the given arguments. Throws on failure.
  explicit child_process(std::vector<std::string> argv);

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  ~child_process();

  /// The next stdout line, or nullopt on EOF or when `timeout` passes.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  /// Sends `sig` to the process.
  void signal(int sig);

  /// Waits for the exit and returns the exit code (128 + signal number when
  /// killed), or nullopt when `timeout` passes first.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  /// Everything written to stderr so far.
  std::string error_output() const;

  pid_t pid() const {
    return pid_;
  }

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string buffer_;
  std::optional<int> exit_code_;
};

/// A value from /proc/PID/status in kB (VmHWM, VmRSS), 0 if absent.
long status_kb(pid_t pid, const std::string& field);

/// Path of one of the project's executables (`ha-node`, `hactl`).
std::string binary(const std::string& name);

/// Path of a file in the source tree.
std::string source_file(const std::string& relative);

} // namespace ha::test
