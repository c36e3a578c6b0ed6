#pragma once
// The client settings every admin tool derives from --bootstrap-server and --command-config
// (Kafka's AdminClient properties file): bootstrap list, client.id, request.timeout.ms.

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "gregor/client/client.h"

namespace gregor::client {
class sync_client;
}

namespace gregor::tools {

// nullopt with `error` set ("Invalid url in bootstrap.servers: ..." or "Cannot read <file>") when
// the bootstrap list does not parse or the properties file cannot be read.
std::optional<client::client_options> admin_client_options(const std::string& bootstrap_server,
                                                           const std::string& command_config,
                                                           std::string default_client_id, std::string& error);

// A blocking client with those settings, bootstrapped (it knows the cluster's brokers); nullptr
// after writing to `err` why not: the settings' error, or "Cannot connect to any broker in
// <bootstrap_server>: <reason>".
std::unique_ptr<client::sync_client> bootstrapped_admin_client(const std::string& bootstrap_server,
                                                               const std::string& command_config,
                                                               std::string default_client_id, std::ostream& err);

} // namespace gregor::tools
