// A forger on the loopback network, for the hot-standby tests: plain UDP from
// another address (127.0.0.2), and, with CAP_NET_RAW (root), datagrams with a
// spoofed source address and port, and a sniffer that copies the pair's real
// heartbeats off the wire to replay them. Raw IPv4 sockets (raw(7)): IP_HDRINCL
// to write our own header; a raw UDP socket receives a copy of every UDP datagram.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace test {

class UdpForger {
 public:
  UdpForger() {
    raw_ = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);  // IP_HDRINCL implied
    sniff_ = ::socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
    timeval tv{0, 100 * 1000};
    if (sniff_ >= 0) ::setsockopt(sniff_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~UdpForger() {
    for (int fd : {raw_, sniff_, plain_})
      if (fd >= 0) ::close(fd);
  }
  UdpForger(const UdpForger&) = delete;
  UdpForger& operator=(const UdpForger&) = delete;

  bool can_spoof() const { return raw_ >= 0 && sniff_ >= 0; }

  // An ordinary datagram from `host`:`port` (bound once) to 127.0.0.1:`to_port`.
  bool send_from(const char* host, int port, int to_port, const std::string& data) {
    if (plain_ < 0) {
      plain_ = ::socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in local = address(host, port);
      if (::bind(plain_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return false;
    }
    sockaddr_in to = address("127.0.0.1", to_port);
    return ::sendto(plain_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to),
                    sizeof to) == static_cast<ssize_t>(data.size());
  }

  // A datagram that claims to come from 127.0.0.1:`from_port`.
  bool spoof(int from_port, int to_port, const std::string& data) {
    std::string packet(sizeof(iphdr) + sizeof(udphdr), '\0');
    iphdr ip{};
    ip.ihl = 5;
    ip.version = 4;
    ip.ttl = 64;
    ip.protocol = IPPROTO_UDP;
    ip.tot_len = htons(static_cast<std::uint16_t>(packet.size() + data.size()));
    ip.saddr = inet_addr("127.0.0.1");
    ip.daddr = inet_addr("127.0.0.1");  // the kernel fills the checksum and id
    udphdr udp{};
    udp.source = htons(static_cast<std::uint16_t>(from_port));
    udp.dest = htons(static_cast<std::uint16_t>(to_port));
    udp.len = htons(static_cast<std::uint16_t>(sizeof(udphdr) + data.size()));
    udp.check = 0;  // no checksum (RFC 768 allows it on IPv4)
    std::memcpy(&packet[0], &ip, sizeof ip);
    std::memcpy(&packet[sizeof ip], &udp, sizeof udp);
    packet += data;
    sockaddr_in to = address("127.0.0.1", to_port);
    return ::sendto(raw_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to),
                    sizeof to) == static_cast<ssize_t>(packet.size());
  }

  // The payload of the next datagram seen from port `from_port` to `to_port`
  // within about `tries` tenths of a second; empty if none.
  std::string sniff(int from_port, int to_port, int tries = 30) {
    char buf[65536];
    for (int k = 0; k < tries * 50; ++k) {
      const ssize_t n = ::recv(sniff_, buf, sizeof buf, 0);
      if (n < 0) {
        if (--tries <= 0) return {};
        continue;
      }
      const auto* ip = reinterpret_cast<const iphdr*>(buf);
      const std::size_t ihl = ip->ihl * 4U;
      if (static_cast<std::size_t>(n) < ihl + sizeof(udphdr)) continue;
      const auto* udp = reinterpret_cast<const udphdr*>(buf + ihl);
      if (ntohs(udp->source) != from_port || ntohs(udp->dest) != to_port) continue;
      return std::string(buf + ihl + sizeof(udphdr), static_cast<std::size_t>(n) - ihl - 8);
    }
    return {};
  }

 private:
  static sockaddr_in address(const char* host, int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = inet_addr(host);
    return a;
  }
  int raw_ = -1, sniff_ = -1, plain_ = -1;
};

}  // namespace test
