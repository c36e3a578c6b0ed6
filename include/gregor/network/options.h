#pragma once
// Settings of the socket server (the `socket.*` and `connections.*` broker properties).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gregor::network {

// One listening socket. `name` is the listener name from the broker config (e.g. "PLAINTEXT") and
// is what bound_port() and connection_info use.
struct listener_options {
  std::string name;
  std::string host; // "" = all interfaces (IPv6 dual-stack when available, else IPv4)
  uint16_t port = 0; // 0 = ephemeral; read the chosen port back with server::bound_port()
};

struct server_options {
  std::vector<listener_options> listeners;
  size_t max_frame_bytes = 104857600;           // socket.request.max.bytes; larger frames close the connection
  int send_buffer_bytes = 102400;               // SO_SNDBUF; -1 = OS default
  int receive_buffer_bytes = 102400;            // SO_RCVBUF; -1 = OS default
  size_t max_queued_frames_per_connection = 16; // read-ahead bound while a request is handled
  int64_t idle_timeout_ms = 600000;             // connections.max.idle.ms; <= 0 disables
};

} // namespace gregor::network
