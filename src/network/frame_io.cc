#include "frame_io.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "gregor/common/endian.h"
#include "gregor/network/errc.h"

namespace gregor::network {

namespace {

constexpr size_t size_prefix_bytes = 4;
// One sendfile(2) call moves at most this much; the kernel caps a call near 2 GiB anyway.
constexpr size_t max_sendfile_chunk = size_t{1} << 30;

// Checks each file range against its file's current size, so that a truncated segment is noticed
// before the first byte of the response is on the wire.
std::error_code check_file_ranges(const iobuf& buf) {
  for (const auto& c : buf.chunks()) {
    const auto* f = std::get_if<file_slice>(&c);
    if (f == nullptr) continue;
    if (!f->file) return errc::file_truncated;
    struct stat st {};
    if (::fstat(f->file->fd(), &st) != 0) return {errno, std::system_category()};
    if (static_cast<uint64_t>(st.st_size) < f->offset + f->length) return errc::file_truncated;
  }
  return {};
}

asio::awaitable<std::error_code> write_buffers(tcp::socket& socket, std::vector<asio::const_buffer>& bufs) {
  if (bufs.empty()) co_return std::error_code{};
  auto [ec, n] = co_await asio::async_write(socket, bufs, nothrow_awaitable);
  bufs.clear();
  co_return to_std(ec);
}

// Sends one file range with sendfile(2) on the non-blocking socket. The descriptor is fetched
// afresh after every wait: the socket may have been closed meanwhile (the wait then reports
// operation_aborted, or the call fails with EBADF), and a cached number could name a reused fd.
asio::awaitable<std::error_code> send_file_range(tcp::socket& socket, const file_slice& slice) {
  boost::system::error_code bec;
  socket.native_non_blocking(true, bec);
  if (bec) co_return to_std(bec);
  off_t offset = static_cast<off_t>(slice.offset);
  uint64_t remaining = slice.length;
  while (remaining > 0) {
    size_t count = static_cast<size_t>(std::min<uint64_t>(remaining, max_sendfile_chunk));
    ssize_t sent = ::sendfile(socket.native_handle(), slice.file->fd(), &offset, count);
    if (sent > 0) {
      remaining -= static_cast<uint64_t>(sent);
      continue;
    }
    if (sent == 0) co_return errc::file_truncated; // the file shrank while we were sending
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      auto [ec] = co_await socket.async_wait(tcp::socket::wait_write, nothrow_awaitable);
      if (ec) co_return to_std(ec);
      continue;
    }
    co_return std::error_code(err, std::system_category());
  }
  co_return std::error_code{};
}

} // namespace

asio::awaitable<result<shared_bytes>> read_frame(tcp::socket& socket, size_t max_bytes,
                                                 asio::cancellation_slot cancel) {
  std::array<uint8_t, size_prefix_bytes> prefix{};
  {
    auto [ec, n] = co_await asio::async_read(socket, asio::buffer(prefix),
                                             asio::bind_cancellation_slot(cancel, nothrow_awaitable));
    if (ec) {
      if (ec == asio::error::eof && n > 0) co_return unexpected(make_error_code(errc::truncated_frame));
      co_return unexpected(to_std(ec));
    }
  }
  int32_t size = load_be<int32_t>(prefix.data());
  if (size < 0) co_return unexpected(make_error_code(errc::invalid_frame_size));
  if (static_cast<uint64_t>(size) > max_bytes) co_return unexpected(make_error_code(errc::frame_too_large));

  bytes body(static_cast<size_t>(size)); // allocated only now that the size is known to be in bounds
  if (!body.empty()) {
    auto [ec, n] = co_await asio::async_read(socket, asio::buffer(body),
                                             asio::bind_cancellation_slot(cancel, nothrow_awaitable));
    if (ec) {
      if (ec == asio::error::eof) co_return unexpected(make_error_code(errc::truncated_frame));
      co_return unexpected(to_std(ec));
    }
  }
  co_return shared_bytes(std::move(body));
}

asio::awaitable<std::error_code> write_iobuf(tcp::socket& socket, const iobuf& buf) {
  if (auto ec = check_file_ranges(buf)) co_return ec;
  std::vector<asio::const_buffer> pending;
  pending.reserve(buf.chunks().size());
  for (const auto& c : buf.chunks()) {
    if (const auto* o = std::get_if<iobuf::owned>(&c)) {
      if (!(*o)->empty()) pending.emplace_back((*o)->data(), (*o)->size());
    } else if (const auto* s = std::get_if<shared_bytes>(&c)) {
      if (!s->empty()) pending.emplace_back(s->data(), s->size());
    } else {
      if (auto ec = co_await write_buffers(socket, pending)) co_return ec;
      if (auto ec = co_await send_file_range(socket, std::get<file_slice>(c))) co_return ec;
    }
  }
  co_return co_await write_buffers(socket, pending);
}

} // namespace gregor::network
