#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace gregor::testing {

namespace {

std::vector<char*> c_args(std::vector<std::string>& storage) {
  std::vector<char*> out;
  for (auto& s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child: die with the parent, apply the environment, exec. Never returns.
[[noreturn]] void exec_child(std::vector<std::string> argv, const std::vector<std::pair<std::string, std::string>>& env) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  auto args = c_args(argv);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

} // namespace

process_result run_process(const std::vector<std::string>& argv, const std::string& input,
                           std::chrono::milliseconds timeout,
                           const std::vector<std::pair<std::string, std::string>>& env) {
  process_result result;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    exec_child(argv, env);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (input.empty()) {
    ::close(in[1]);
    in[1] = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out[0], POLLIN, 0});
    if (err_open) fds.push_back({err[0], POLLIN, 0});
    if (in[1] >= 0) fds.push_back({in[1], POLLOUT, 0});
    if (::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left.count(), 200))) < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in[1]) {
        ssize_t n = ::write(in[1], input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN) written = input.size();  // the child closed stdin
        if (written >= input.size()) {
          ::close(in[1]);
          in[1] = -1;
        }
        continue;
      }
      ssize_t n = ::read(p.fd, buf, sizeof(buf));
      if (n > 0) {
        (p.fd == out[0] ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        (p.fd == out[0] ? out_open : err_open) = false;
      }
    }
  }
  if (in[1] >= 0) ::close(in[1]);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = result.timed_out ? -1 : decode_status(status);
  return result;
}

background_process::background_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + log.string());
  _pid = ::fork();
  if (_pid < 0) {
    ::close(fd);
    throw std::runtime_error("fork failed");
  }
  if (_pid == 0) {
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    exec_child(argv, {});
  }
  ::close(fd);
}

background_process::~background_process() { stop(); }

bool background_process::running() {
  if (_pid <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(_pid, &status, WNOHANG);
  if (r == _pid) {
    _status = decode_status(status);
    _pid = -1;
    return false;
  }
  return true;
}

int background_process::stop(std::chrono::milliseconds grace) {
  if (_pid <= 0) return _status;
  ::kill(_pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(_pid, &status, WNOHANG);
    if (r == _pid) {
      _status = decode_status(status);
      _pid = -1;
      return _status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(_pid, SIGKILL);
  ::waitpid(_pid, &status, 0);
  _pid = -1;
  _status = -1;
  return _status;
}

} // namespace gregor::testing
