#include "refusal_limiter.hpp"

namespace runtime {

RefusalLimiter::RefusalLimiter(const RefusalLimits& limits)
    : limits_(limits), table_(limits.sources > 0 ? limits.sources : 1) {}

RefusalLimiter::Source* RefusalLimiter::find(std::uint64_t key) {
  for (std::size_t i = 0; i < used_; ++i)
    if (table_[i].key == key) return &table_[i];
  return nullptr;
}

std::size_t RefusalLimiter::least_recent() const {
  std::size_t oldest = 0;
  for (std::size_t i = 1; i < used_; ++i)
    if (table_[i].last_seen < table_[oldest].last_seen) oldest = i;
  return oldest;
}

std::uint64_t RefusalLimiter::refusals_from(std::uint64_t key) const {
  for (std::size_t i = 0; i < used_; ++i)
    if (table_[i].key == key) return table_[i].total;
  return 0;
}

}  // namespace runtime
