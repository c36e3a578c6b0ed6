#pragma once
// The one spelling of Asio in this project's network API: `gregor::network::asio` is Boost.Asio.
// Only the awaitable type is pulled in here; it is what every asynchronous API returns.

#include <boost/asio/awaitable.hpp>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace gregor::network {
namespace asio = boost::asio;
} // namespace gregor::network
