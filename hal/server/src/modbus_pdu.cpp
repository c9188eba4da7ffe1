#include "hal/modbus_pdu.hpp"

namespace hal::pdu {

namespace {

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v & 0xFF);
}

Decoded refuse(std::uint8_t function, std::uint8_t exception, const char* why) {
  Decoded d;
  d.request.function = function;
  d.exception = exception;
  d.why = why;
  return d;
}

}  // namespace

long pdu_bytes(const std::uint8_t* pdu, std::size_t available) {
  if (available < 1) return -1;
  switch (pdu[0]) {
    case kReadHolding:
    case kReadInput:
    case kWriteSingle:
      return 5;  // function, address, quantity or value
    case kWriteMultiple:
      return available < 6 ? -1 : 6 + static_cast<long>(pdu[5]);  // ... byte count, values
    default:
      return 0;
  }
}

Decoded decode(const std::uint8_t* pdu, std::size_t length, long table_registers) {
  if (length < 1) return refuse(0, kIllegalFunction, "empty PDU");
  const std::uint8_t function = pdu[0];
  const long expected = pdu_bytes(pdu, length);
  if (expected == 0)
    return refuse(function, kIllegalFunction,
                  function >= 0x80 ? "function code 0x80 or above" : "function not served");
  if (expected < 0 || static_cast<std::size_t>(expected) != length)
    return refuse(function, kIllegalValue, "PDU length disagrees with the function");
  Decoded d;
  Request& r = d.request;
  r.function = function;
  r.address = be16(&pdu[1]);
  switch (function) {
    case kReadHolding:
    case kReadInput:
      r.count = be16(&pdu[3]);
      if (r.count < 1 || r.count > kMaxReadRegisters)
        return refuse(function, kIllegalValue, "read quantity not 1 to 125");
      break;
    case kWriteSingle:
      r.count = 1;
      r.values[0] = be16(&pdu[3]);
      break;
    default:  // kWriteMultiple
      r.count = be16(&pdu[3]);
      if (r.count < 1 || r.count > kMaxWriteRegisters)
        return refuse(function, kIllegalValue, "write quantity not 1 to 123");
      if (pdu[5] != 2 * r.count)
        return refuse(function, kIllegalValue, "byte count not twice the quantity");
      for (int i = 0; i < r.count; ++i)
        r.values[static_cast<std::size_t>(i)] = be16(&pdu[6 + 2 * i]);
      break;
  }
  if (static_cast<long>(r.address) + r.count > table_registers)
    return refuse(function, kIllegalAddress, "address + quantity beyond the table");
  return d;
}

std::size_t encode_reply(const Request& r, const std::uint16_t* words, std::uint8_t* out) {
  out[0] = r.function;
  if (r.function == kReadHolding || r.function == kReadInput) {
    out[1] = static_cast<std::uint8_t>(2 * r.count);
    for (int i = 0; i < r.count; ++i)
      put16(&out[2 + 2 * i], words[i]);
    return 2 + 2 * static_cast<std::size_t>(r.count);
  }
  put16(&out[1], r.address);
  put16(&out[3], r.function == kWriteSingle ? r.values[0] : r.count);
  return 5;
}

std::size_t encode_exception(std::uint8_t function, std::uint8_t exception, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(function | 0x80);
  out[1] = exception;
  return 2;
}

}  // namespace hal::pdu
