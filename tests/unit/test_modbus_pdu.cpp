// The server core's PDU codec and MBAP framing against the Modbus specs: the
// Application Protocol v1.1b3 (section 6's request/response examples, section
// 7's exception rules and each function's state diagram) and the TCP/IP
// Implementation Guide v1.0b (3.1.3, the MBAP header).
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "hal/mbap.hpp"
#include "hal/modbus_pdu.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;
namespace pdu = hal::pdu;

pdu::Decoded decode(const Bytes& b, long table = pdu::kTableRegisters) {
  return pdu::decode(b.data(), b.size(), table);
}

// A read of `count` registers, as a PDU.
Bytes read(std::uint8_t function, std::uint16_t address, std::uint16_t count) {
  return {function, static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address),
          static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count)};
}

// A write of `count` registers (function 16) with `byte_count`, as a PDU.
Bytes write16(std::uint16_t address, std::uint16_t count, int byte_count) {
  Bytes b = {0x10,
             static_cast<std::uint8_t>(address >> 8),
             static_cast<std::uint8_t>(address),
             static_cast<std::uint8_t>(count >> 8),
             static_cast<std::uint8_t>(count),
             static_cast<std::uint8_t>(byte_count)};
  b.resize(b.size() + static_cast<std::size_t>(byte_count), 0);
  return b;
}

// An MBAP header (transaction 1, protocol `protocol`, `length`, unit 1), then `pdu`.
Bytes adu(std::uint16_t length, const Bytes& pdu_bytes, std::uint16_t protocol = 0) {
  // Built byte by byte: GCC 12 warns (-Warray-bounds) on an insert into a braced vector.
  Bytes b;
  b.reserve(7 + pdu_bytes.size());
  for (int v : {0, 1, protocol >> 8, protocol & 0xFF, length >> 8, length & 0xFF, 1})
    b.push_back(static_cast<std::uint8_t>(v));
  for (std::uint8_t v : pdu_bytes)
    b.push_back(v);
  return b;
}

hal::mbap::Status status(const Bytes& b, std::size_t available) {
  return hal::mbap::check_frame(b.data(), available).status;
}

}  // namespace

TEST_CASE("the spec's request and response examples are decoded and encoded byte for byte",
          "[modbus][pdu]") {
  std::array<std::uint8_t, pdu::kMaxPduBytes> out{};
  // 6.3: read holding registers 108-110 (values 0x022B, 0, 0x64).
  pdu::Decoded d = decode({0x03, 0x00, 0x6B, 0x00, 0x03});
  REQUIRE(d.exception == 0);
  CHECK(d.request.address == 0x6B);
  CHECK(d.request.count == 3);
  const std::uint16_t words[] = {0x022B, 0x0000, 0x0064};
  std::size_t n = pdu::encode_reply(d.request, words, out.data());
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x03, 0x06, 0x02, 0x2B, 0, 0, 0, 0x64});
  // 6.4: read input register 9 (value 10).
  d = decode({0x04, 0x00, 0x08, 0x00, 0x01});
  REQUIRE(d.exception == 0);
  const std::uint16_t ten = 10;
  n = pdu::encode_reply(d.request, &ten, out.data());
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x04, 0x02, 0x00, 0x0A});
  // 6.6: write register 2 with 3: the response echoes the request.
  d = decode({0x06, 0x00, 0x01, 0x00, 0x03});
  REQUIRE(d.exception == 0);
  CHECK(d.request.count == 1);
  CHECK(d.request.values[0] == 3);
  n = pdu::encode_reply(d.request, nullptr, out.data());
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x06, 0x00, 0x01, 0x00, 0x03});
  // 6.12: write registers 2-3 with 0x000A, 0x0102: the response is address and quantity.
  d = decode({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02});
  REQUIRE(d.exception == 0);
  CHECK(d.request.values[0] == 0x000A);
  CHECK(d.request.values[1] == 0x0102);
  n = pdu::encode_reply(d.request, nullptr, out.data());
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x10, 0x00, 0x01, 0x00, 0x02});
  // 7: an exception response is the function code + 0x80, then the code.
  n = pdu::encode_exception(0x01, pdu::kIllegalAddress, out.data());
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x81, 0x02});
}

TEST_CASE("each function's exception follows the spec's state diagram", "[modbus][pdu]") {
  // Function codes: 3, 4, 6, 16 served; any other is exception 1.
  CHECK(decode({0x01, 0, 0, 0, 1}).exception == pdu::kIllegalFunction);
  CHECK(decode({0x05, 0, 0, 0xFF, 0}).exception == pdu::kIllegalFunction);
  CHECK(decode({0x2B, 0x0E, 1, 0}).exception == pdu::kIllegalFunction);
  // Reads (6.3, 6.4): quantity 1 to 125, else 3; then address + quantity in the table, else 2.
  for (std::uint8_t f : {pdu::kReadHolding, pdu::kReadInput}) {
    CHECK(decode(read(f, 0, 0)).exception == pdu::kIllegalValue);
    CHECK(decode(read(f, 0, 125)).exception == 0);
    CHECK(decode(read(f, 0, 126)).exception == pdu::kIllegalValue);
    CHECK(decode(read(f, 0xFFFF, 0)).exception == pdu::kIllegalValue);  // quantity first
    CHECK(decode(read(f, 0xFFFF, 1)).exception == 0);
    CHECK(decode(read(f, 0xFFFF, 2)).exception == pdu::kIllegalAddress);
    CHECK(decode(read(f, 1299, 1), 1300).exception == 0);
    CHECK(decode(read(f, 1299, 2), 1300).exception == pdu::kIllegalAddress);
    CHECK(decode(read(f, 256, 1), 1300).exception == 0);
    CHECK(decode(read(f, 1300, 1), 1300).exception == pdu::kIllegalAddress);
  }
  // Write one (6.6): any value; the address in the table, else 2.
  CHECK(decode({0x06, 0x05, 0x13, 0xFF, 0xFF}, 1300).exception == 0);
  CHECK(decode({0x06, 0x05, 0x14, 0x00, 0x01}, 1300).exception == pdu::kIllegalAddress);
  // Write many (6.12): quantity 1 to 123 and a byte count of twice it, else 3; then address.
  CHECK(decode(write16(0, 123, 246)).exception == 0);
  CHECK(decode(write16(0, 124, 248)).exception == pdu::kIllegalValue);
  CHECK(decode(write16(0, 0, 0)).exception == pdu::kIllegalValue);
  CHECK(decode(write16(0, 2, 2)).exception == pdu::kIllegalValue);
  CHECK(decode(write16(1299, 2, 4), 1300).exception == pdu::kIllegalAddress);
  CHECK(decode(write16(1298, 2, 4), 1300).exception == 0);
  // A PDU whose length disagrees with its function (never framed so: the core closes).
  CHECK(decode({0x03, 0, 0, 0}).exception == pdu::kIllegalValue);
  CHECK(decode({0x03, 0, 0, 0, 1, 0}).exception == pdu::kIllegalValue);
  CHECK(decode(Bytes{}).exception == pdu::kIllegalFunction);
}

TEST_CASE("a function code of 0x80 and above gets exception 1 and its own code back",
          "[modbus][pdu]") {
  std::array<std::uint8_t, pdu::kMaxPduBytes> out{};
  for (int f = 0x80; f <= 0xFF; ++f) {
    const Bytes request = {static_cast<std::uint8_t>(f), 0, 0, 0, 1};
    pdu::Served served;
    const char* why = nullptr;
    bool called = false;
    const std::size_t n = pdu::answer(
        request.data(), request.size(), pdu::kTableRegisters,
        [&](const pdu::Request&, std::uint16_t*) {
          called = true;
          return pdu::Served{};
        },
        out.data(), served, &why);
    CHECK_FALSE(called);
    CHECK(why != nullptr);
    CHECK(served.exception == pdu::kIllegalFunction);
    REQUIRE(n == 2);
    CHECK(out[0] == f);  // 0x80 | (f & 0x7F): no overflow into another function's code
    CHECK(out[1] == pdu::kIllegalFunction);
  }
}

TEST_CASE("answer: the server's own exception and silence reach the wire as they are",
          "[modbus][pdu]") {
  std::array<std::uint8_t, pdu::kMaxPduBytes> out{};
  const Bytes request = read(pdu::kReadInput, 40, 2);
  pdu::Served served;
  const char* why = "unset";
  std::size_t n = pdu::answer(
      request.data(), request.size(), pdu::kTableRegisters,
      [](const pdu::Request&, std::uint16_t*) {
        return pdu::Served{pdu::Result::kException, pdu::kIllegalAddress};
      },
      out.data(), served, &why);
  CHECK(why == nullptr);  // the decoder had nothing against it
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x84, 0x02});
  n = pdu::answer(
      request.data(), request.size(), pdu::kTableRegisters,
      [](const pdu::Request&, std::uint16_t*) {
        return pdu::Served{pdu::Result::kSilent, 0};
      },
      out.data(), served);
  CHECK(n == 0);
  CHECK(served.result == pdu::Result::kSilent);
  n = pdu::answer(
      request.data(), request.size(), pdu::kTableRegisters,
      [](const pdu::Request& r, std::uint16_t* words) {
        for (int i = 0; i < r.count; ++i)
          words[i] = static_cast<std::uint16_t>(r.address + i);
        return pdu::Served{};
      },
      out.data(), served);
  CHECK(Bytes(out.begin(), out.begin() + n) == Bytes{0x04, 0x04, 0, 40, 0, 41});
}

TEST_CASE("MBAP framing: a length the function disagrees with is malformed before any wait",
          "[modbus][mbap]") {
  using hal::mbap::Status;
  const Bytes good = adu(6, read(3, 0, 1));
  CHECK(status(good, 7) == Status::kNeedMore);
  CHECK(status(good, 11) == Status::kNeedMore);
  CHECK(status(good, 12) == Status::kWhole);
  CHECK(hal::mbap::check_frame(good.data(), 12).bytes == 12);
  // Protocol id not 0: malformed as soon as it is in.
  CHECK(status(adu(6, read(3, 0, 1), 1), 4) == Status::kMalformed);
  // Length 2 (unit id and function code only) for a read: told at the function code.
  CHECK(status(adu(2, read(3, 0, 1)), 7) == Status::kNeedMore);
  CHECK(status(adu(2, read(3, 0, 1)), 8) == Status::kMalformed);
  // Too short (5) and too long (10, within 260 bytes): told at the function code, without
  // waiting for bytes that would belong to the next request.
  CHECK(status(adu(5, read(3, 0, 1)), 8) == Status::kMalformed);
  CHECK(status(adu(10, read(4, 0, 1)), 8) == Status::kMalformed);
  CHECK(status(adu(10, {6, 0, 0, 0, 1}), 8) == Status::kMalformed);
  // Under 2 or beyond the ADU: at the length field.
  CHECK(status(adu(1, read(3, 0, 1)), 6) == Status::kMalformed);
  CHECK(status(adu(255, read(3, 0, 1)), 6) == Status::kMalformed);
  // Function 16: 7 + byte count, told once the byte count is in.
  const Bytes w = adu(11, write16(0, 2, 4));
  CHECK(status(w, 12) == Status::kNeedMore);
  CHECK(status(w, 16) == Status::kNeedMore);
  CHECK(status(w, 17) == Status::kWhole);
  CHECK(status(adu(12, write16(0, 2, 4)), 13) == Status::kMalformed);
  CHECK(status(adu(10, write16(0, 2, 4)), 13) == Status::kMalformed);
  CHECK(status(adu(6, write16(0, 2, 4)), 8) == Status::kMalformed);  // under 6 PDU bytes
  // A function the servers do not decode takes its declared length (it gets exception 1).
  const Bytes other = adu(3, {0x2B, 0x0E});
  CHECK(status(other, 8) == Status::kNeedMore);
  CHECK(status(other, 9) == Status::kWhole);
  Bytes longest = adu(254, {0x41});
  longest.resize(260, 0);
  CHECK(status(longest, 259) == Status::kNeedMore);
  CHECK(status(longest, 260) == Status::kWhole);
  // A reply's header: the request's transaction and unit id, the reply's length.
  std::array<std::uint8_t, 7> h{};
  const Bytes request = {0x12, 0x34, 0, 0, 0, 6, 0x09};
  hal::mbap::reply_header(request.data(), 5, h.data());
  CHECK(Bytes(h.begin(), h.end()) == Bytes{0x12, 0x34, 0, 0, 0, 6, 0x09});
}
