#pragma once
// The cleaner's key -> latest offset map (ON-DISK-FORMAT §9): open addressing over a fixed block of
// 24-byte slots (16-byte MD5 of the key, 8-byte offset), so its memory is exactly what
// log.cleaner.dedupe.buffer.size grants and never grows. Keys are identified by their MD5 alone,
// as in Kafka: two keys with the same digest are treated as one.
//
// Not thread-safe: one map per cleaner thread, reused across cleanings with clear().

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "gregor/common/bytes.h"

namespace gregor::log {

class dedupe_map {
public:
  static constexpr size_t slot_size = 24;

  // `memory_bytes` / 24 slots, at most `load_factor` of them used. Memory is committed lazily (the
  // block is calloc'd: pages are touched only when slots are).
  dedupe_map(size_t memory_bytes, double load_factor);
  ~dedupe_map();
  dedupe_map(const dedupe_map&) = delete;
  dedupe_map& operator=(const dedupe_map&) = delete;

  // Most keys the map accepts.
  size_t capacity() const { return _capacity; }
  size_t size() const { return _size; }
  bool has_room_for(size_t more_keys) const { return _size + more_keys <= _capacity; }
  // Largest offset put since the last clear() (-1 if none).
  int64_t latest_offset() const { return _latest; }

  // Records `offset` as the latest offset of `key`. False (and nothing recorded) when the key is
  // new and the map is at capacity.
  bool put(bytes_view key, int64_t offset);
  std::optional<int64_t> get(bytes_view key) const;
  void clear();

  // The digest used for keys, for log messages and documentation.
  static constexpr const char* hash_name() { return "MD5"; }

private:
  using digest = std::array<uint8_t, 16>;
  struct slot {
    digest hash;
    int64_t offset_plus_one;  // 0 = empty slot (calloc'd memory reads as empty)
  };
  static_assert(sizeof(slot) == slot_size);

  digest hash_of(bytes_view key) const;
  size_t find(const digest& h) const;  // the slot holding h, or the empty slot where it goes

  struct hasher;
  std::unique_ptr<hasher> _hasher;
  slot* _slots = nullptr;
  size_t _slot_count = 0;
  size_t _capacity = 0;
  size_t _size = 0;
  int64_t _latest = -1;
};

} // namespace gregor::log
