#include "socket_options.h"

namespace gregor::network {

std::error_code apply_socket_options(tcp::socket& socket, int send_buffer_bytes, int receive_buffer_bytes) {
  boost::system::error_code first;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (ec && !first) first = ec;
  if (send_buffer_bytes != -1) {
    socket.set_option(asio::socket_base::send_buffer_size(send_buffer_bytes), ec);
    if (ec && !first) first = ec;
  }
  if (receive_buffer_bytes != -1) {
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes), ec);
    if (ec && !first) first = ec;
  }
  return to_std(first);
}

} // namespace gregor::network
