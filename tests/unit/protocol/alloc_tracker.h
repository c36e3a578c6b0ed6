#pragma once
// Test-only: this binary replaces global operator new to remember the largest single request,
// so tests can prove that hostile lengths are rejected before anything large is allocated.
#include <cstddef>

namespace gregor::protocol::test_support {

void reset_largest_allocation();
size_t largest_allocation();

} // namespace gregor::protocol::test_support
