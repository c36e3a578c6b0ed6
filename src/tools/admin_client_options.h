#pragma once
// The client settings every admin tool derives from --bootstrap-server and --command-config
// (Kafka's AdminClient properties file): bootstrap list, client.id, request.timeout.ms.

#include <optional>
#include <string>

#include "gregor/client/client.h"

namespace gregor::tools {

// nullopt with `error` set ("Invalid url in bootstrap.servers: ..." or "Cannot read <file>") when
// the bootstrap list does not parse or the properties file cannot be read.
std::optional<client::client_options> admin_client_options(const std::string& bootstrap_server,
                                                           const std::string& command_config,
                                                           std::string default_client_id, std::string& error);

} // namespace gregor::tools
