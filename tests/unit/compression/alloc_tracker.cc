#include "alloc_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> tracking{false};
std::atomic<size_t> largest_seen{0};

void note(size_t n) {
  if (!tracking.load(std::memory_order_relaxed)) return;
  size_t prev = largest_seen.load(std::memory_order_relaxed);
  while (n > prev && !largest_seen.compare_exchange_weak(prev, n)) {
  }
}
} // namespace

void* operator new(size_t n) {
  note(n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace gregor::compression::testing {

alloc_tracker::alloc_tracker() {
  largest_seen = 0;
  tracking = true;
}
alloc_tracker::~alloc_tracker() { tracking = false; }
size_t alloc_tracker::largest() const { return largest_seen.load(); }

} // namespace gregor::compression::testing
