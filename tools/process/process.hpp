// Real processes for integration tests and benchmarks: spawn, wait for a port, stop with a signal.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace proc {

class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, const std::string& log_path);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  // Sends `signal` and waits up to `timeout_s`; returns the exit status, -1 on timeout.
  int stop(int signal, double timeout_s);
  std::string log() const;

 private:
  int pid_ = -1;
  std::string log_path_;
};

// A serial line with no hardware: a socat pty pair, its ends linked at
// /tmp/plant-<name>-A-<pid> and ...-B-<pid>. Stopped when destroyed.
class SerialLine {
 public:
  explicit SerialLine(const std::string& name);  // throws when the ends do not appear
  const std::string& end_a() const { return a_; }
  const std::string& end_b() const { return b_; }

 private:
  std::string a_, b_;
  std::unique_ptr<Process> socat_;
};

// True once `path` exists (polls up to timeout_s).
bool wait_for_file(const std::string& path, double timeout_s);

// A TCP port on 127.0.0.1 that nobody listens on right now.
int free_port();
// True once something accepts connections on 127.0.0.1:port (polls up to timeout_s).
bool wait_for_port(int port, double timeout_s);
// The whole text of a file ("" when it cannot be read).
std::string read_file(const std::string& path);
// How many times `what` occurs in `text` (a log line, say).
int occurrences(const std::string& text, const std::string& what);
// Runs a command, returns its standard output (and the exit status through `status`).
std::string run_command(const std::string& command, int* status = nullptr);

}  // namespace proc
