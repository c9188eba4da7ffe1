#include "register_access.hpp"

#include <cerrno>
#include <cstdint>

namespace hal {

namespace {
char parity_letter(site::SerialParity p) {
  return p == site::SerialParity::kNone ? 'N' : p == site::SerialParity::kEven ? 'E' : 'O';
}
}  // namespace

modbus_t* new_context(const regs::DeviceAddress& a, double response_timeout_s) {
  modbus_t* ctx = nullptr;
  if (a.serial.empty()) {
    ctx = modbus_new_tcp(a.host.c_str(), a.port);
  } else {
    ctx = modbus_new_rtu(a.serial.c_str(), a.baud, parity_letter(a.parity), 8, a.stop_bits);
  }
  if (!ctx) return nullptr;
  const auto sec = static_cast<std::uint32_t>(response_timeout_s);
  const auto usec = static_cast<std::uint32_t>((response_timeout_s - sec) * 1e6);
  modbus_set_response_timeout(ctx, sec, usec);
  modbus_set_error_recovery(ctx, MODBUS_ERROR_RECOVERY_NONE);
  return ctx;
}

std::string endpoint_text(const regs::DeviceAddress& a) {
  if (a.serial.empty()) return a.host + ":" + std::to_string(a.port);
  return a.serial + " (RTU " + std::to_string(a.baud) + " 8" + parity_letter(a.parity) +
         std::to_string(a.stop_bits) + ")";
}

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
