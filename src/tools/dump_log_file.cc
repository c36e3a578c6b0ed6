#include "dump_log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "gregor/common/endian.h"

namespace gregor::tools {

namespace {
// offset:int64, size:int32, then 4 bytes of CRC (legacy) or leader epoch (v2), then the magic.
constexpr uint64_t header_up_to_magic = 17;
constexpr int32_t min_entry_size = 14;  // the smallest legacy message (magic 0, null key and value)
} // namespace

std::optional<dump_file_reader> dump_file_reader::open(const std::filesystem::path& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = S_ISREG(st.st_mode) ? std::strerror(errno) : "not a regular file";
    ::close(fd);
    return std::nullopt;
  }
  return dump_file_reader(fd, static_cast<uint64_t>(st.st_size));
}

dump_file_reader::~dump_file_reader() {
  if (_fd >= 0) ::close(_fd);
}

dump_file_reader::dump_file_reader(dump_file_reader&& other) noexcept : _fd(other._fd), _size(other._size) {
  other._fd = -1;
}

bool dump_file_reader::read(uint64_t pos, uint64_t n, bytes& out) const {
  if (pos > _size || n > _size - pos) return false;  // bounded by the file before allocating
  out.resize(n);
  uint64_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(_fd, out.data() + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<uint64_t>(r);
  }
  return true;
}

entry_status read_log_entry(const dump_file_reader& file, const std::filesystem::path& path, uint64_t pos,
                            uint64_t end, log_entry& out, std::string& error) {
  if (end > file.size()) end = file.size();
  if (pos + header_up_to_magic >= end) return entry_status::end;
  bytes head;
  if (!file.read(pos, header_up_to_magic, head)) return entry_status::end;
  int64_t offset = load_be<int64_t>(head.data());
  int32_t size = load_be<int32_t>(head.data() + 8);
  if (size < min_entry_size) {
    error = "Found record size " + std::to_string(size) + " smaller than minimum record overhead (" +
            std::to_string(min_entry_size) + ") in file " + path.string() + ".";
    return entry_status::corrupt;
  }
  uint64_t total = static_cast<uint64_t>(size) + 12;
  if (total > end - pos) return entry_status::end;
  out.position = pos;
  out.offset = offset;
  out.size = size;
  out.magic = static_cast<int8_t>(head[16]);
  if (!file.read(pos, total, out.data)) return entry_status::end;
  return entry_status::ok;
}

std::optional<int64_t> base_offset_of(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  std::string stem = name.substr(0, name.find('.'));
  int64_t v = 0;
  auto [p, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), v);
  if (ec != std::errc() || p != stem.data() + stem.size() || stem.empty()) return std::nullopt;
  return v;
}

} // namespace gregor::tools
