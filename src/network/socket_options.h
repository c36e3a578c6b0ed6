#pragma once

#include <system_error>

#include "asio_util.h"

namespace gregor::network {

// TCP_NODELAY on; SO_SNDBUF / SO_RCVBUF set unless -1 (OS default). The first failure is returned;
// callers treat it as a warning (the connection still works).
std::error_code apply_socket_options(tcp::socket& socket, int send_buffer_bytes, int receive_buffer_bytes);

} // namespace gregor::network
