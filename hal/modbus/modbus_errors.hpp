// How the backend tells libmodbus's errors apart: an exception the device
// answered, a request worth trying again, or a connection gone.
#pragma once

#include <modbus/modbus.h>

#include <cerrno>

namespace hal {

inline const char* exception_text(int code) {
  switch (code) {
    case 1:
      return "exception 1 (illegal function)";
    case 2:
      return "exception 2 (illegal data address)";
    case 3:
      return "exception 3 (illegal data value: out of range)";
    case 4:
      return "exception 4 (server device failure)";
    case 6:
      return "exception 6 (busy: not possible in the device's state)";
    case 11:
      return "exception 11 (gateway target failed to respond)";
    default:
      return "exception";
  }
}

// A Modbus exception answered by the device (codes 1..11); framing errors such
// as EMBBADDATA are not exceptions but a stream out of step.
inline bool is_exception(int err) {
  return err > MODBUS_ENOBASE && err <= MODBUS_ENOBASE + MODBUS_EXCEPTION_GATEWAY_TARGET;
}

// A request that failed this way is tried again on the same connection (after
// reopen()): no answer in time, or on a serial line, a garbled or misaddressed
// answer (noise, a late answer of another slave). Anything else on TCP means
// the stream is out of step or gone; on a serial line, the port itself is gone.
inline bool retryable(bool rtu, int err) {
  if (err == ETIMEDOUT) return true;
  return rtu && err != EIO && err != EBADF && err != ENXIO && err != ENODEV;
}

}  // namespace hal
