// Modbus TCP framing (Modbus Messaging on TCP/IP Implementation Guide v1.0b,
// section 3.1.3): the 7-byte MBAP header, then the PDU. What every TCP server of
// ours does before it answers: find where a frame ends in the bytes received.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hal::mbap {

constexpr std::size_t kHeaderBytes = 7;    // transaction, protocol, length, unit
constexpr std::size_t kMaxAduBytes = 260;  // header + PDU

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

// The length of the frame at `f`, of which `available` bytes have arrived: 0 when
// more are needed, -1 when the header is malformed (protocol id not 0, or a length
// field too short or too long): the connection should be dropped.
inline long frame_bytes(const std::uint8_t* f, std::size_t available) {
  if (available < kHeaderBytes) return 0;
  const std::uint16_t protocol = be16(&f[2]);
  const std::uint16_t length = be16(&f[4]);  // unit id + PDU
  if (protocol != 0 || length < 2 || kHeaderBytes - 1 + length > kMaxAduBytes) return -1;
  const std::size_t whole = kHeaderBytes - 1 + length;
  return available < whole ? 0 : static_cast<long>(whole);
}

}  // namespace hal::mbap
