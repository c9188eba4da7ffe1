// Encoding and decoding register values, and the names of the map's enums.
#include <cmath>
#include <cstdint>

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

bool encode(const Register& r, double value, std::uint16_t* out) {
  if (!std::isfinite(value)) return false;
  const double raw_d = std::round(value / r.scale);
  std::int64_t lo = 0, hi = 0;
  switch (r.type) {
    case Type::kU16:
      lo = 0, hi = 0xFFFF;
      break;
    case Type::kI16:
      lo = -0x8000, hi = 0x7FFF;
      break;
    case Type::kU32:
      lo = 0, hi = 0xFFFFFFFFLL;
      break;
    case Type::kI32:
      lo = -0x80000000LL, hi = 0x7FFFFFFF;
      break;
  }
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
