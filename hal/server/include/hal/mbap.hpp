// Modbus TCP framing (Modbus Messaging on TCP/IP Implementation Guide v1.0b,
// section 3.1.3): the 7-byte MBAP header, then the PDU. What every TCP server of
// ours does before it answers: find where a frame ends in the bytes received,
// and tell a malformed one as early as its bytes allow, before any wait.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hal::mbap {

constexpr std::size_t kHeaderBytes = 7;    // transaction, protocol, length, unit
constexpr std::size_t kMaxAduBytes = 260;  // header + PDU

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

enum class Status : std::uint8_t { kNeedMore, kWhole, kMalformed };

struct Frame {
  Status status = Status::kNeedMore;
  std::size_t bytes = 0;  // kWhole: the frame's length
  const char* why = "";   // kMalformed: what is wrong
};

// The frame at `f`, of which `available` bytes have arrived. Malformed, as soon
// as the bytes show it: a protocol id other than 0; a length field (unit id +
// PDU) under 2 or beyond the 260-byte ADU; or, once the function code is in
// (and for function 16 its byte count), a length other than the function's PDU
// implies (functions 3, 4, 6: exactly 6; 16: 7 + byte count). A function code
// the servers do not decode takes the declared length. A malformed frame must
// close the connection: its end is unknown, so the next bytes cannot be trusted.
Frame check_frame(const std::uint8_t* f, std::size_t available);

// An MBAP header for the reply to the request whose header is `request`, with a
// PDU of `pdu_bytes`: the same transaction and unit id.
void reply_header(const std::uint8_t* request, std::size_t pdu_bytes, std::uint8_t* out);

}  // namespace hal::mbap
