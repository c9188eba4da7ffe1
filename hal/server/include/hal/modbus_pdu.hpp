// Modbus PDUs of the register functions our servers serve, decoded and encoded by
// hand (Modbus Application Protocol Specification v1.1b3, sections 6.3, 6.4, 6.6,
// 6.12 and 7): pure functions, no I/O, nothing allocated, so every exception rule
// is unit-tested against the spec and no server needs libmodbus's modbus_reply
// (which answers an illegal value by sleeping its response timeout).
//
// The exception a request gets, in the order of the spec's state diagrams:
//   - function code not one of 3, 4, 6, 16 (or 0x80 and above)  -> 1 illegal function
//   - quantity out of range: 0, over 125 for a read, over 123 for a write, or a byte
//     count that is not twice the quantity (or disagrees with the PDU's length) -> 3
//   - address + quantity beyond the table (the server's register count)  -> 2
// then whatever the server itself decides (a register it does not have: 2, a value
// it refuses: 3, busy: 6, ...).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace hal::pdu {

constexpr std::uint8_t kReadHolding = 0x03, kReadInput = 0x04, kWriteSingle = 0x06,
                       kWriteMultiple = 0x10;
constexpr std::uint8_t kIllegalFunction = 1, kIllegalAddress = 2, kIllegalValue = 3,
                       kDeviceFailure = 4, kBusy = 6, kGatewayTargetFailed = 0x0B;
constexpr int kMaxReadRegisters = 125;   // 6.3: 1 to 125 (0x7D)
constexpr int kMaxWriteRegisters = 123;  // 6.12: 1 to 123 (0x7B)
constexpr std::size_t kMaxPduBytes = 253;
constexpr long kTableRegisters = 65536;  // the whole 16-bit address space

struct Request {
  std::uint8_t function = 0;
  std::uint16_t address = 0;
  std::uint16_t count = 0;                                 // registers; 1 for function 6
  std::array<std::uint16_t, kMaxWriteRegisters> values{};  // a write's `count` words
};

struct Decoded {
  Request request;
  std::uint8_t exception = 0;  // 0: a request to serve; else the exception to answer
  const char* why = "";        // what was wrong, for a log line
};

// The PDU bytes (function code on) that `function` implies, as far as the first
// `available` bytes of the PDU tell: > 0 the exact length; 0 for a function this
// module does not decode (any length: it gets exception 1); -1 when more bytes are
// needed to tell (function 16 before its byte count). Function 16 has at least 6.
long pdu_bytes(const std::uint8_t* pdu, std::size_t available);

// Decodes the `length` bytes of a request PDU, for a server of `table_registers`
// holding and input registers.
Decoded decode(const std::uint8_t* pdu, std::size_t length, long table_registers = kTableRegisters);

// The normal response to `r` into `out` (kMaxPduBytes); its length. A read answers
// `words` (r.count of them); a write echoes its address and value or quantity.
std::size_t encode_reply(const Request& r, const std::uint16_t* words, std::uint8_t* out);

// An exception response (7): the function code with its high bit set, then the
// code. A function code of 0x80 and above (reserved for exception responses, so
// never a request) is echoed as it is: the high bit never overflows.
std::size_t encode_exception(std::uint8_t function, std::uint8_t exception, std::uint8_t* out);

// What a server made of a request that decoded.
enum class Result : std::uint8_t { kOk, kException, kSilent };
struct Served {
  Result result = Result::kOk;
  std::uint8_t exception = 0;
};

// One request PDU answered: decoded, served by `serve(request, words)` (which fills
// a read's words and returns Served) when it decodes, encoded into `out`. Returns
// the reply's length, 0 for no reply (a silent device); `served` says which, and
// `why` what the decoder found wrong (nullptr when the request decoded).
template <class Serve>
std::size_t answer(const std::uint8_t* pdu, std::size_t length, long table_registers, Serve&& serve,
                   std::uint8_t* out, Served& served, const char** why = nullptr) {
  const Decoded d = decode(pdu, length, table_registers);
  if (why) *why = d.exception != 0 ? d.why : nullptr;
  if (d.exception != 0) {
    served = {Result::kException, d.exception};
    return encode_exception(length > 0 ? pdu[0] : 0, d.exception, out);
  }
  std::array<std::uint16_t, kMaxReadRegisters> words{};
  served = serve(d.request, words.data());
  switch (served.result) {
    case Result::kSilent:
      return 0;
    case Result::kException:
      return encode_exception(d.request.function, served.exception, out);
    case Result::kOk:
      break;
  }
  return encode_reply(d.request, words.data(), out);
}

}  // namespace hal::pdu
