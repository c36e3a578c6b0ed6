#include "admin_client_options.h"

#include <ostream>

#include "cli_util.h"
#include "gregor/client/bootstrap.h"
#include "gregor/client/sync_client.h"

namespace gregor::tools {

std::optional<client::client_options> admin_client_options(const std::string& bootstrap_server,
                                                           const std::string& command_config,
                                                           std::string default_client_id, std::string& error) {
  auto servers = client::parse_bootstrap_servers(bootstrap_server);
  if (!servers) {
    error = "Invalid url in bootstrap.servers: " + bootstrap_server;
    return std::nullopt;
  }
  client::client_options co;
  co.bootstrap_servers = std::move(*servers);
  co.client_id = std::move(default_client_id);
  if (command_config.empty()) return co;
  auto props = read_properties_file(command_config);
  if (!props) {
    error = "Cannot read " + command_config;
    return std::nullopt;
  }
  if (auto it = props->find("client.id"); it != props->end()) co.client_id = it->second;
  if (auto it = props->find("request.timeout.ms"); it != props->end()) {
    if (auto ms = parse_int64(it->second); ms && *ms > 0) co.request_timeout = std::chrono::milliseconds(*ms);
  }
  return co;
}

std::unique_ptr<client::sync_client> bootstrapped_admin_client(const std::string& bootstrap_server,
                                                               const std::string& command_config,
                                                               std::string default_client_id, std::ostream& err) {
  std::string options_error;
  auto co = admin_client_options(bootstrap_server, command_config, std::move(default_client_id), options_error);
  if (!co) {
    err << options_error << "\n";
    return nullptr;
  }
  auto c = std::make_unique<client::sync_client>(std::move(*co));
  auto boot = c->run(c->async().bootstrap());
  if (!boot) {
    err << "Cannot connect to any broker in " << bootstrap_server << ": " << boot.error().message() << "\n";
    return nullptr;
  }
  return c;
}

} // namespace gregor::tools
