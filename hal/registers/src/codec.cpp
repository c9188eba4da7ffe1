// Encoding and decoding register values, and the names of the map's enums.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "hal/registers.hpp"

namespace hal::regs {

const Register* DeviceMap::find(const std::string& n) const {
  for (const Register& r : registers)
    if (n == r.name) return &r;
  return nullptr;
}

const char* to_string(Table t) {
  return t == Table::kHolding ? "holding" : "input";
}

const char* to_string(Type t) {
  switch (t) {
    case Type::kU16:
      return "uint16";
    case Type::kI16:
      return "int16";
    case Type::kU32:
      return "uint32";
    case Type::kI32:
      return "int32";
  }
  return "?";
}

const char* to_string(Access a) {
  switch (a) {
    case Access::kRead:
      return "R";
    case Access::kReadWrite:
      return "RW";
    case Access::kWrite:
      return "W";
  }
  return "?";
}

int words(Type t) {
  return t == Type::kU32 || t == Type::kI32 ? 2 : 1;
}

namespace {
struct RawRange {
  std::int64_t lo, hi;
};
RawRange raw_range(Type t) {
  switch (t) {
    case Type::kU16:
      return {0, 0xFFFF};
    case Type::kI16:
      return {-0x8000, 0x7FFF};
    case Type::kU32:
      return {0, 0xFFFFFFFFLL};
    case Type::kI32:
      return {-0x80000000LL, 0x7FFFFFFF};
  }
  return {0, 0};
}
std::string text(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%.10g", v);
  return s;
}
}  // namespace

bool encode(const Register& r, double value, std::uint16_t* out) {
  if (!std::isfinite(value)) return false;
  const double raw_d = std::round(value / r.scale);
  const auto [lo, hi] = raw_range(r.type);
  if (raw_d < static_cast<double>(lo) || raw_d > static_cast<double>(hi)) return false;
  const auto raw = static_cast<std::int64_t>(raw_d);
  const auto bits = static_cast<std::uint32_t>(raw);  // two's complement for the signed types
  if (words(r.type) == 2) {
    out[0] = static_cast<std::uint16_t>(bits >> 16);
    out[1] = static_cast<std::uint16_t>(bits & 0xFFFF);
  } else {
    out[0] = static_cast<std::uint16_t>(bits & 0xFFFF);
  }
  return true;
}

bool encodes_exactly(const Register& r, double value) {
  if (!std::isfinite(value)) return false;
  const double raw = value / r.scale;
  // 0.8 / 0.001 is 800.0000000000001 in binary floating point: that is exact.
  if (std::fabs(raw - std::round(raw)) > 1e-9 * std::max(1.0, std::fabs(raw))) return false;
  const auto [lo, hi] = raw_range(r.type);
  return std::round(raw) >= static_cast<double>(lo) && std::round(raw) <= static_cast<double>(hi);
}

std::string allowed_values(const Register& r) {
  const auto [lo, hi] = raw_range(r.type);
  const std::string span = "from " + text(static_cast<double>(lo) * r.scale) + " to " +
                           text(static_cast<double>(hi) * r.scale);
  return (r.scale == 1 ? std::string("whole numbers ") : "multiples of " + text(r.scale) + " ") +
         span;
}

double decode(const Register& r, const std::uint16_t* in) {
  switch (r.type) {
    case Type::kU16:
      return in[0] * r.scale;
    case Type::kI16:
      return static_cast<std::int16_t>(in[0]) * r.scale;
    case Type::kU32:
      return ((static_cast<std::uint32_t>(in[0]) << 16) | in[1]) * r.scale;
    case Type::kI32:
      return static_cast<std::int32_t>((static_cast<std::uint32_t>(in[0]) << 16) | in[1]) * r.scale;
  }
  return 0;
}

}  // namespace hal::regs
