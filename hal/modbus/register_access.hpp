// One register by its map entry over a libmodbus context: for tools and tests
// that talk to a single device (the backend itself reads whole tables).
#pragma once

#include <modbus/modbus.h>

#include "hal/registers.hpp"

namespace hal {

// False (errno from libmodbus) when the device did not answer or refused.
bool read_register(modbus_t* ctx, const regs::Register& r, double& value);
// False when the value does not fit the register (errno EINVAL) or the device refused.
bool write_register(modbus_t* ctx, const regs::Register& r, double value);

}  // namespace hal
