#include "register_access.hpp"

#include <cerrno>

namespace hal {

bool read_register(modbus_t* ctx, const regs::Register& r, double& value) {
  std::uint16_t w[2] = {0, 0};
  const int n = regs::words(r.type);
  const int got = r.table == regs::Table::kInput ? modbus_read_input_registers(ctx, r.address, n, w)
                                                 : modbus_read_registers(ctx, r.address, n, w);
  if (got != n) return false;
  value = regs::decode(r, w);
  return true;
}

bool write_register(modbus_t* ctx, const regs::Register& r, double value) {
  std::uint16_t w[2];
  if (!regs::encode(r, value, w)) {
    errno = EINVAL;
    return false;
  }
  const int n = regs::words(r.type);
  return modbus_write_registers(ctx, r.address, n, w) == n;
}

}  // namespace hal
