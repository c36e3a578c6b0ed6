#pragma once
// One real gregor-server for tests: a free 127.0.0.1 port, a temp log dir, a server.properties
// pointing at the given ZooKeeper. Started in the constructor; ready() waits until the broker
// serves Metadata and names itself controller. The destructor stops exactly the process it
// started (SIGTERM for a clean deregistration, SIGKILL after a grace period) and removes the dir.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "process.h"

namespace gregor::testing {

class broker_process {
public:
  broker_process(const std::string& server_binary, const std::string& zk_connect, int32_t broker_id);
  ~broker_process();

  // Waits until the broker answers Metadata with itself as controller. False on timeout (the
  // server's log tail is then in log_tail()).
  bool wait_ready(std::chrono::milliseconds timeout);
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(_port); }
  uint16_t port() const { return _port; }
  std::string log_tail() const;

private:
  std::filesystem::path _dir;
  uint16_t _port = 0;
  int32_t _id = 0;
  std::unique_ptr<background_process> _process;
};

// Asks the kernel for a currently free port on 127.0.0.1.
uint16_t free_port();

} // namespace gregor::testing
