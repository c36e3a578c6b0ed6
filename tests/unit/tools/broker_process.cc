#include "broker_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "gregor/client/sync_client.h"

namespace gregor::testing {

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

broker_process::broker_process(const std::string& server_binary, const std::string& zk_connect, int32_t broker_id)
  : _id(broker_id) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gregor-broker-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  _dir = tmpl;
  _port = free_port();
  std::ofstream props(_dir / "server.properties");
  props << "broker.id=" << broker_id << "\n"
        << "listeners=PLAINTEXT://127.0.0.1:" << _port << "\n"
        << "log.dirs=" << (_dir / "logs").string() << "\n"
        << "zookeeper.connect=" << zk_connect << "\n"
        << "num.partitions=1\n"
        << "default.replication.factor=1\n"
        << "offsets.topic.replication.factor=1\n"
        << "log.segment.bytes=1073741824\n"
        << "delete.topic.enable=true\n";
  props.close();
  _process = std::make_unique<background_process>(
      std::vector<std::string>{server_binary, (_dir / "server.properties").string()}, _dir / "server.log");
}

broker_process::~broker_process() {
  _process.reset();  // SIGTERM, then SIGKILL
  std::error_code ignored;
  std::filesystem::remove_all(_dir, ignored);
}

bool broker_process::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!_process->running()) return false;
    client::client_options o;
    o.bootstrap_servers = {{"127.0.0.1", _port}};
    o.connect_timeout = std::chrono::milliseconds(1000);
    o.request_timeout = std::chrono::milliseconds(2000);
    client::sync_client c(o);
    auto md = c.run(c.async().refresh_metadata(std::nullopt, false));
    if (md && md->controller_id == _id && md->find_broker(_id) != nullptr) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string broker_process::log_tail() const {
  std::ifstream in(_dir / "server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

} // namespace gregor::testing
