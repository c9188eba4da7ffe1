// Heap allocations counted across a whole executable: alloc_counter.cpp replaces
// the global operator new and delete (they count and forward to malloc/free).
// Link it (an object library) into an executable that must show a step allocates
// nothing: the unit tests, and plantctl for `plantctl bench`.
#pragma once

namespace alloc_counter {
long allocations();  // so far, in this process
}  // namespace alloc_counter
