// Kept in its own translation unit so the replaced operators are never inlined into callers.
#include "alloc_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<size_t> largest{0};
}

namespace gregor::protocol::test_support {
void reset_largest_allocation() { largest.store(0); }
size_t largest_allocation() { return largest.load(); }
} // namespace gregor::protocol::test_support

void* operator new(size_t n) {
  size_t prev = largest.load(std::memory_order_relaxed);
  while (n > prev && !largest.compare_exchange_weak(prev, n)) {}
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
