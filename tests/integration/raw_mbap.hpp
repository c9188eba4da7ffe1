// A plain TCP socket that speaks raw MBAP frames, for the tests of our servers'
// framing and connection rules: any bytes, from any loopback source address
// (127.0.0.2, 127.0.0.3, ...: each a client of its own to a per-address limit).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace test {

using Bytes = std::vector<std::uint8_t>;

// An ADU: transaction `tid`, protocol 0, MBAP length `length` (unit id + PDU when
// given as -1), unit id `unit`, then `pdu`.
inline Bytes mbap(std::uint8_t unit, const Bytes& pdu, int length = -1, std::uint16_t tid = 1) {
  const int n = length < 0 ? static_cast<int>(pdu.size()) + 1 : length;
  // Built byte by byte: GCC 12 warns (-Warray-bounds) on an insert into a braced vector.
  Bytes b;
  b.reserve(7 + pdu.size());
  for (int v : {tid >> 8, tid & 0xFF, 0, 0, n >> 8, n & 0xFF, static_cast<int>(unit)})
    b.push_back(static_cast<std::uint8_t>(v));
  for (std::uint8_t v : pdu)
    b.push_back(v);
  return b;
}

// A read (3 or 4) or write-one (6) PDU: function, address, quantity or value.
inline Bytes pdu5(std::uint8_t function, std::uint16_t address, std::uint16_t value) {
  return {function, static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address),
          static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

// A write-many (16) PDU of quantity `count`, with `words` registers of 0 after its
// byte count (by default as many as the quantity says).
inline Bytes pdu16(std::uint16_t address, std::uint16_t count, int words = -1) {
  const int n = words < 0 ? count : words;
  Bytes b = {0x10,
             static_cast<std::uint8_t>(address >> 8),
             static_cast<std::uint8_t>(address),
             static_cast<std::uint8_t>(count >> 8),
             static_cast<std::uint8_t>(count),
             static_cast<std::uint8_t>(2 * n)};
  b.resize(b.size() + 2U * static_cast<unsigned>(n), 0);
  return b;
}

class RawClient {
 public:
  enum class Got { kReply, kClosed, kTimeout };

  // Connects to 127.0.0.1:`port` from `source` (any 127.x.y.z). ok() says whether it did.
  explicit RawClient(int port, const std::string& source = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
          connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool ok() const { return ok_; }
  bool send(const Bytes& b) {
    return ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size());
  }
  // One whole reply (header, then as many bytes as its length says), the server
  // closing, or nothing within `timeout_ms`.
  Got receive(Bytes& reply, int timeout_ms) {
    reply.clear();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      if (reply.size() >= 6 && reply.size() >= 6U + (reply[4] << 8 | reply[5])) return Got::kReply;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return Got::kTimeout;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      std::uint8_t buffer[512];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return Got::kClosed;
      reply.insert(reply.end(), buffer, buffer + n);
    }
  }
  // True when the server has closed (EOF or reset), without waiting.
  bool closed_by_server() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    std::uint8_t b;
    return recv(fd_, &b, 1, MSG_DONTWAIT | MSG_PEEK) <= 0;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

}  // namespace test
