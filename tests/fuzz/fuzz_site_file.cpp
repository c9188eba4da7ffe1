// Any bytes as a site file: the loader reports errors, never crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "site/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const site::LoadResult r = site::load_site_string(text, "fuzz.toml");
  // A result is a site or errors, never both and never neither.
  if (r.site.has_value() == !r.errors.empty()) __builtin_trap();
  return 0;
}
