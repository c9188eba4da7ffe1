#include "hal/mbap.hpp"

#include "hal/modbus_pdu.hpp"

namespace hal::mbap {

Frame check_frame(const std::uint8_t* f, std::size_t available) {
  Frame frame;
  if (available >= 4 && be16(&f[2]) != 0) {
    frame.status = Status::kMalformed;
    frame.why = "protocol id not 0";
    return frame;
  }
  if (available < 6) return frame;
  const std::size_t length = be16(&f[4]);  // unit id + PDU
  if (length < 2 || kHeaderBytes - 1 + length > kMaxAduBytes) {
    frame.status = Status::kMalformed;
    frame.why = "MBAP length under 2 or beyond the 260-byte ADU";
    return frame;
  }
  if (available > kHeaderBytes) {
    const long pdu = pdu::pdu_bytes(f + kHeaderBytes, available - kHeaderBytes);
    // Function 16 has 6 PDU bytes at least: a length under 7 is wrong before its byte count.
    const bool short16 = f[kHeaderBytes] == pdu::kWriteMultiple && length < 7;
    if (short16 || (pdu > 0 && static_cast<std::size_t>(pdu) + 1 != length)) {
      frame.status = Status::kMalformed;
      frame.why = "MBAP length disagrees with the function's PDU";
      return frame;
    }
  }
  const std::size_t whole = kHeaderBytes - 1 + length;
  if (available >= whole) {
    frame.status = Status::kWhole;
    frame.bytes = whole;
  }
  return frame;
}

void reply_header(const std::uint8_t* request, std::size_t pdu_bytes, std::uint8_t* out) {
  out[0] = request[0];  // transaction id
  out[1] = request[1];
  out[2] = 0;  // protocol id
  out[3] = 0;
  const std::size_t length = pdu_bytes + 1;  // unit id + PDU
  out[4] = static_cast<std::uint8_t>(length >> 8);
  out[5] = static_cast<std::uint8_t>(length & 0xFF);
  out[6] = request[6];  // unit id
}

}  // namespace hal::mbap
