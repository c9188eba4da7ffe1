// Heap allocations counted across the whole test binary (alloc_counter.cpp
// replaces the global operator new and delete; they count and forward).
#pragma once

namespace test {
long allocations();
}  // namespace test
