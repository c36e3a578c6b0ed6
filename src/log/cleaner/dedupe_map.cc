#include "gregor/log/cleaner/dedupe_map.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "gregor/common/endian.h"

namespace gregor::log {

// One reusable OpenSSL digest context (creating one per key would dominate the cost).
struct dedupe_map::hasher {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~hasher() { EVP_MD_CTX_free(ctx); }
};

dedupe_map::dedupe_map(size_t memory_bytes, double load_factor) : _hasher(std::make_unique<hasher>()) {
  _slot_count = std::max<size_t>(memory_bytes / slot_size, 2);
  double lf = std::clamp(load_factor, 0.01, 1.0);
  _capacity = std::max<size_t>(static_cast<size_t>(static_cast<double>(_slot_count) * lf), 1);
  _capacity = std::min(_capacity, _slot_count - 1);  // one slot always stays empty: probes end
  _slots = static_cast<slot*>(std::calloc(_slot_count, sizeof(slot)));
  if (_slots == nullptr || _hasher->ctx == nullptr) throw std::bad_alloc();
}

dedupe_map::~dedupe_map() { std::free(_slots); }

dedupe_map::digest dedupe_map::hash_of(bytes_view key) const {
  digest d{};
  unsigned int len = 0;
  // MD5 cannot fail on a valid context; a failure would leave d zeroed, which is still a
  // consistent (if colliding) digest.
  if (EVP_DigestInit_ex(_hasher->ctx, EVP_md5(), nullptr) == 1) {
    EVP_DigestUpdate(_hasher->ctx, key.data(), key.size());
    EVP_DigestFinal_ex(_hasher->ctx, d.data(), &len);
  }
  return d;
}

size_t dedupe_map::find(const digest& h) const {
  // The digest is uniformly distributed: its first 8 bytes pick the slot; linear probing.
  size_t i = static_cast<size_t>(load_be<uint64_t>(h.data()) % _slot_count);
  while (_slots[i].offset_plus_one != 0 && _slots[i].hash != h) {
    i = i + 1 == _slot_count ? 0 : i + 1;
  }
  return i;
}

bool dedupe_map::put(bytes_view key, int64_t offset) {
  digest h = hash_of(key);
  size_t i = find(h);
  if (_slots[i].offset_plus_one == 0) {
    if (_size >= _capacity) return false;
    _slots[i].hash = h;
    ++_size;
  }
  _slots[i].offset_plus_one = offset + 1;
  _latest = std::max(_latest, offset);
  return true;
}

std::optional<int64_t> dedupe_map::get(bytes_view key) const {
  digest h = hash_of(key);
  size_t i = find(h);
  if (_slots[i].offset_plus_one == 0) return std::nullopt;
  return _slots[i].offset_plus_one - 1;
}

void dedupe_map::clear() {
  if (_size == 0) return;
  // A fresh calloc is cheaper than zeroing: untouched pages of a large block are never committed.
  std::free(_slots);
  _slots = static_cast<slot*>(std::calloc(_slot_count, sizeof(slot)));
  if (_slots == nullptr) throw std::bad_alloc();
  _size = 0;
  _latest = -1;
}

} // namespace gregor::log
