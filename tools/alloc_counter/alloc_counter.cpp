#include <atomic>
#include <cstdlib>
#include <new>

#include "alloc_counter.hpp"

// Counting global operator new/delete. This replaces them for the whole executable:
// they only count and forward to malloc/free. Every unaligned form is replaced, so
// no runtime (ASan's included) pairs its own new with this delete.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

long alloc_counter::allocations() {
  return g_allocations.load();
}

namespace {

void* counted_malloc(std::size_t n) noexcept {
  ++g_allocations;
  return std::malloc(n > 0 ? n : 1);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
