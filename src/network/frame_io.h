#pragma once
// Reading and writing size-prefixed frames on a TCP socket; shared by server and client.
// Both functions must be awaited on the socket's strand, and the socket must outlive the call.

#include <cstddef>
#include <system_error>

#include <boost/asio/cancellation_signal.hpp>

#include "asio_util.h"
#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"

namespace gregor::network {

// Reads one frame: an int32 big-endian size, then that many bytes, returned without the prefix.
// Errors: asio eof when the stream ends cleanly between frames; errc::truncated_frame when it ends
// inside one; errc::invalid_frame_size for a negative size; errc::frame_too_large for size > max_bytes
// (checked before allocating); otherwise the socket error (operation_aborted when `cancel` fires).
asio::awaitable<result<shared_bytes>> read_frame(tcp::socket& socket, size_t max_bytes,
                                                 asio::cancellation_slot cancel = {});

// Writes every chunk of `buf` in order: runs of memory chunks in one gathered write, file ranges
// with sendfile(2). Before anything is written, every file range is checked against its file's size;
// if one extends past the end (a truncated segment), nothing is sent and errc::file_truncated is
// returned (the caller closes the connection rather than sending garbage). `buf` must stay alive
// and unchanged until the call completes.
asio::awaitable<std::error_code> write_iobuf(tcp::socket& socket, const iobuf& buf);

} // namespace gregor::network
