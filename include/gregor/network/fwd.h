#pragma once
// Forward declarations for the network module, for headers that only pass these types around.

namespace gregor::network {

struct listener_options;
struct server_options;
struct connection_info;
struct handler_result;
struct start_error;
class request_handler;
class server;
class client_connection;

} // namespace gregor::network
