#pragma once
// Child processes for the tools' broker test: run a command to completion with captured output,
// or keep one running in the background (the broker). Every child gets PR_SET_PDEATHSIG, so it
// dies with the test; destructors kill exactly the PID they started. Test-only; not thread-safe.

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace gregor::testing {

struct process_result {
  int exit_code = -1;  // -1 when killed (timeout) or not started
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with `input` on stdin; captures stdout and stderr. Kills it (SIGKILL) after
// `timeout`. `env` entries are added to (or replace in) the environment.
process_result run_process(const std::vector<std::string>& argv, const std::string& input,
                           std::chrono::milliseconds timeout,
                           const std::vector<std::pair<std::string, std::string>>& env = {});

class background_process {
public:
  // Starts argv with stdout and stderr appended to `log`. Throws std::runtime_error if fork fails.
  background_process(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~background_process();  // stop()
  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  pid_t pid() const { return _pid; }
  bool running();
  // SIGTERM, then SIGKILL after `grace`; reaps. Returns the exit status (-1 if killed). Idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(20));

private:
  pid_t _pid = -1;
  int _status = -1;
};

} // namespace gregor::testing
