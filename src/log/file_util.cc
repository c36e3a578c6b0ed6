#include "file_util.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

#include "gregor/log/filenames.h"

namespace gregor::log::detail {

std::error_code errno_code() { return {errno, std::system_category()}; }

result<size_t> pread_upto(int fd, uint8_t* buf, size_t n, uint64_t offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return unexpected(errno_code());
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

result<void> pwrite_all(int fd, std::span<const bytes_view> pieces, uint64_t offset) {
  // pwritev takes at most IOV_MAX vectors and may write short; walk the pieces with a cursor.
  constexpr size_t max_iov = 1024;
  std::vector<iovec> iov;
  iov.reserve(std::min(pieces.size(), max_iov));
  size_t piece = 0;
  size_t piece_done = 0;  // bytes of pieces[piece] already written
  while (piece < pieces.size()) {
    iov.clear();
    for (size_t i = piece; i < pieces.size() && iov.size() < max_iov; ++i) {
      size_t skip = i == piece ? piece_done : 0;
      if (pieces[i].size() == skip) continue;
      iov.push_back({const_cast<uint8_t*>(pieces[i].data()) + skip, pieces[i].size() - skip});
    }
    if (iov.empty()) break;
    ssize_t w = ::pwritev(fd, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return unexpected(errno_code());
    }
    if (w == 0) return unexpected(std::make_error_code(std::errc::io_error));
    offset += static_cast<uint64_t>(w);
    auto left = static_cast<size_t>(w);
    while (left > 0 && piece < pieces.size()) {
      size_t rest = pieces[piece].size() - piece_done;
      if (left >= rest) {
        left -= rest;
        ++piece;
        piece_done = 0;
      } else {
        piece_done += left;
        left = 0;
      }
    }
    while (piece < pieces.size() && pieces[piece].size() == piece_done) {
      ++piece;
      piece_done = 0;
    }
  }
  return {};
}

result<void> fsync_fd(int fd) {
  if (::fsync(fd) != 0) return unexpected(errno_code());
  return {};
}

result<void> sync_filesystem(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return unexpected(errno_code());
  int rc = ::syncfs(fd);
  auto ec = rc == 0 ? std::error_code{} : errno_code();
  ::close(fd);
  if (rc != 0) return unexpected(ec);
  return {};
}

result<void> fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return unexpected(errno_code());
  int rc = ::fsync(fd);
  auto ec = errno_code();
  ::close(fd);
  if (rc != 0) return unexpected(ec);
  return {};
}

result<void> truncate_fd(int fd, uint64_t size) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return unexpected(errno_code());
  return {};
}

result<uint64_t> file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return unexpected(errno_code());
  return static_cast<uint64_t>(st.st_size);
}

result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content, bool sync) {
  auto tmp = filenames::with_suffix(path, filenames::tmp_suffix);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected(errno_code());
  bytes_view piece = as_bytes(content);
  auto w = pwrite_all(fd, std::span<const bytes_view>(&piece, 1), 0);
  if (w && sync) w = fsync_fd(fd);
  ::close(fd);
  if (!w) return w;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return unexpected(errno_code());
  if (!sync) return {};
  return fsync_dir(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
}

result<std::vector<dir_entry>> list_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<dir_entry> out;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    dir_entry e{it->path()};
    std::error_code type_ec;
    e.is_directory = it->is_directory(type_ec);
    e.is_regular_file = !type_ec && it->is_regular_file(type_ec);
    out.push_back(std::move(e));
  }
  if (ec) return unexpected(ec);
  return out;
}

result<bool> path_exists(const std::filesystem::path& path) {
  std::error_code ec;
  bool found = std::filesystem::exists(path, ec);
  if (ec) return unexpected(ec);
  return found;
}

result<std::string> read_small_file(const std::filesystem::path& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(errno_code());
  auto size = file_size(fd);
  if (!size) {
    ::close(fd);
    return unexpected(size.error());
  }
  if (*size > max_bytes) {
    ::close(fd);
    return unexpected(std::make_error_code(std::errc::file_too_large));
  }
  std::string out(*size, '\0');
  auto r = pread_upto(fd, reinterpret_cast<uint8_t*>(out.data()), out.size(), 0);
  ::close(fd);
  if (!r) return unexpected(r.error());
  out.resize(*r);
  return out;
}

} // namespace gregor::log::detail
