// Reading and writing plantd's SCADA map by register name, as a SCADA master
// would: for the tests that talk to plantd's own server.
#pragma once

#include <modbus/modbus.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>

#include "hal/registers.hpp"
#include "register_access.hpp"

namespace test {

inline const hal::regs::Register& scada_register(const char* name) {
  const hal::regs::Register* r = hal::regs::scada_map().find(name);
  REQUIRE(r != nullptr);
  return *r;
}

// The value of register `name` (its `item`-th for an array), decoded.
inline double scada_read(modbus_t* ctx, const char* name, int item = 0) {
  const hal::regs::Register& r = scada_register(name);
  std::uint16_t words[2] = {};
  const int n = hal::regs::words(r.type);
  const int got = r.table == hal::regs::Table::kInput
                      ? modbus_read_input_registers(ctx, r.address_of(item), n, words)
                      : modbus_read_registers(ctx, r.address_of(item), n, words);
  REQUIRE(got == n);
  return hal::regs::decode(r, words);
}

// 0 when accepted, else the errno libmodbus reports for the exception.
inline int scada_write(modbus_t* ctx, const char* name, double value) {
  if (hal::write_register(ctx, scada_register(name), value)) return 0;
  return errno;
}

}  // namespace test
