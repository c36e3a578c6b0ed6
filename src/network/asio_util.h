#pragma once
// Private helpers shared by the server and the client side.

#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "gregor/network/asio_fwd.h"

namespace gregor::network {

using tcp = asio::ip::tcp;

// Completion token for the data path: errors come back as values (STYLE), never as exceptions.
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

inline std::error_code to_std(const boost::system::error_code& ec) { return ec; }

} // namespace gregor::network
