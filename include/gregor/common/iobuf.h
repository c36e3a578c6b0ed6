#pragma once
// iobuf: an output buffer made of chunks, some owned bytes, some borrowed slices of other buffers,
// some ranges of files. Responses are built into an iobuf and written to the socket chunk by chunk;
// a file range is sent with sendfile(2), so fetched record data never passes through user space.
//
// Not thread-safe; one owner at a time. Borrowed chunks keep their owners alive.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <variant>
#include <vector>

#include "gregor/common/bytes.h"

namespace gregor {

// An open, read-only or read-write file descriptor, closed on destruction.
class file_descriptor {
public:
  explicit file_descriptor(int fd) : _fd(fd) {}
  ~file_descriptor();
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  int fd() const { return _fd; }

private:
  int _fd;
};

// A byte range of a file. The handle keeps the descriptor open while the slice is alive, so a
// segment that is deleted or rolled meanwhile can still be sent.
struct file_slice {
  std::shared_ptr<const file_descriptor> file;
  uint64_t offset = 0;
  uint64_t length = 0;
};

class iobuf {
public:
  using owned = std::shared_ptr<bytes>;
  using chunk = std::variant<owned, shared_bytes, file_slice>;

  iobuf() = default;
  iobuf(iobuf&&) noexcept = default;
  iobuf& operator=(iobuf&&) noexcept = default;
  iobuf(const iobuf&) = delete;             // copying would alias owned chunks; use share()
  iobuf& operator=(const iobuf&) = delete;

  // Copies `data` into owned memory at the tail.
  void append(bytes_view data);
  // Borrows `data` without copying (small slices are copied instead).
  void append(shared_bytes data);
  void append(file_slice slice);
  void append(iobuf&& other);

  // Returns `n` writable, contiguous bytes at the tail (owned memory).
  uint8_t* append_uninitialized(size_t n);
  // Overwrites bytes already written at absolute position `pos` (must lie in owned memory).
  void write_at(size_t pos, bytes_view data);

  size_t size() const { return _size; }
  bool empty() const { return _size == 0; }
  const std::vector<chunk>& chunks() const { return _chunks; }

  // Calls mem(bytes_view) for every memory chunk and file(const file_slice&) for every file range,
  // in order.
  template <typename MemFn, typename FileFn>
  void for_each(MemFn&& mem, FileFn&& file) const {
    for (const auto& c : _chunks) {
      if (auto* o = std::get_if<owned>(&c)) {
        mem(bytes_view(**o));
      } else if (auto* s = std::get_if<shared_bytes>(&c)) {
        mem(s->view());
      } else {
        file(std::get<file_slice>(c));
      }
    }
  }

  // All bytes in one buffer; file ranges are read with pread. For tests, TLS and small payloads.
  bytes linearize() const;
  // A copy that shares every chunk (owned chunks are copied; borrowed ones are shared).
  iobuf share() const;

  friend bool operator==(const iobuf& a, const iobuf& b) { return a.linearize() == b.linearize(); }

private:
  bytes& tail();

  std::vector<chunk> _chunks;
  size_t _size = 0;
};

} // namespace gregor
