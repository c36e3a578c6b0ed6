#include "gregor/common/iobuf.h"

#include <cassert>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace gregor {

namespace {
// Borrowing a slice costs a chunk; below this size a copy is cheaper for the writer.
constexpr size_t min_borrow_size = 256;
constexpr size_t tail_reserve = 4096;
} // namespace

file_descriptor::~file_descriptor() {
  if (_fd >= 0) ::close(_fd);
}

bytes& iobuf::tail() {
  if (_chunks.empty() || !std::holds_alternative<owned>(_chunks.back())) {
    auto b = std::make_shared<bytes>();
    b->reserve(tail_reserve);
    _chunks.emplace_back(std::move(b));
  }
  return *std::get<owned>(_chunks.back());
}

void iobuf::append(bytes_view data) {
  if (data.empty()) return;
  auto& t = tail();
  t.insert(t.end(), data.begin(), data.end());
  _size += data.size();
}

void iobuf::append(shared_bytes data) {
  if (data.size() < min_borrow_size) {
    append(data.view());
    return;
  }
  _size += data.size();
  _chunks.emplace_back(std::move(data));
}

void iobuf::append(file_slice slice) {
  if (slice.length == 0) return;
  _size += slice.length;
  _chunks.emplace_back(std::move(slice));
}

void iobuf::append(iobuf&& other) {
  for (auto& c : other._chunks) _chunks.push_back(std::move(c));
  _size += other._size;
  other._chunks.clear();
  other._size = 0;
}

uint8_t* iobuf::append_uninitialized(size_t n) {
  auto& t = tail();
  size_t old = t.size();
  t.resize(old + n);
  _size += n;
  return t.data() + old;
}

void iobuf::write_at(size_t pos, bytes_view data) {
  size_t chunk_start = 0;
  size_t written = 0;
  for (auto& c : _chunks) {
    size_t len = 0;
    if (auto* o = std::get_if<owned>(&c)) {
      len = (*o)->size();
      size_t target = pos + written;
      while (written < data.size() && target >= chunk_start && target < chunk_start + len) {
        (**o)[target - chunk_start] = data[written];
        ++written;
        ++target;
      }
    } else if (auto* s = std::get_if<shared_bytes>(&c)) {
      len = s->size();
    } else {
      len = std::get<file_slice>(c).length;
    }
    chunk_start += len;
    if (written == data.size()) return;
  }
  assert(written == data.size() && "write_at outside owned memory");
}

bytes iobuf::linearize() const {
  bytes out;
  out.reserve(_size);
  for_each([&](bytes_view v) { out.insert(out.end(), v.begin(), v.end()); },
           [&](const file_slice& f) {
             size_t old = out.size();
             out.resize(old + f.length);
             uint64_t done = 0;
             while (done < f.length) {
               ssize_t n = ::pread(f.file->fd(), out.data() + old + done, f.length - done,
                                   static_cast<off_t>(f.offset + done));
               if (n <= 0) throw std::runtime_error("iobuf: short read from file slice");
               done += static_cast<uint64_t>(n);
             }
           });
  return out;
}

iobuf iobuf::share() const {
  iobuf copy;
  for (const auto& c : _chunks) {
    if (auto* o = std::get_if<owned>(&c)) {
      copy._chunks.emplace_back(std::make_shared<bytes>(**o));
    } else {
      copy._chunks.push_back(c);
    }
  }
  copy._size = _size;
  return copy;
}

} // namespace gregor
