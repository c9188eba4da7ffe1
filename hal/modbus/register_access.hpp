// Contexts for a device's endpoint, and one register by its map entry over a
// libmodbus context: for the backend, and for tools and tests that talk to a
// single device (the backend itself reads whole tables).
#pragma once

#include <modbus/modbus.h>

#include <string>

#include "hal/device_addresses.hpp"
#include "hal/registers.hpp"

namespace hal {

// A new, unconnected context for `a`: Modbus RTU on its serial line when it has
// one, else TCP to a.host:a.port. The response timeout is set; libmodbus's error
// recovery stays off (it can hang for seconds). nullptr (errno set) when libmodbus
// refuses the settings.
modbus_t* new_context(const regs::DeviceAddress& a, double response_timeout_s);
// "127.0.0.1:1502" or "/dev/ttyUSB0 (RTU 19200 8E1)": for messages.
std::string endpoint_text(const regs::DeviceAddress& a);

// False (errno from libmodbus) when the device did not answer or refused.
bool read_register(modbus_t* ctx, const regs::Register& r, double& value);
// False when the value does not fit the register (errno EINVAL) or the device refused.
bool write_register(modbus_t* ctx, const regs::Register& r, double value);

}  // namespace hal
