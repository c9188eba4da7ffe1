// The Modbus TCP server core that every TCP server of ours runs on (plantd's SCADA
// server, plantsim's device ports), for one rule: no request, no malformed frame
// and no number of connections can delay the loop it runs on or another client.
//
// On one Asio io_context (one thread), nothing blocks and nothing sleeps:
//   - framing (hal/mbap.hpp) tells a malformed frame before waiting for any byte:
//     closed at once, counted as a bad frame; pipelined requests answered in order;
//   - requests are decoded and answered by hand (hal/modbus_pdu.hpp); the service
//     behind the server only looks up or applies registers;
//   - a reply the client does not take at once closes the connection (slow);
//   - connection rules (Limits): at most max_clients; at most max_per_address from
//     one IPv4 address (more are closed at once: refused); a connection with no
//     whole request for idle_timeout_s is closed (idle); a frame begun must end
//     within frame_timeout_ms (slow: slowloris). When max_clients are connected, a
//     new client is still served: of the address holding the most connections (the
//     newcomer counted), the connection that has waited longest without a whole
//     request (one that never sent any first) is closed for it (evicted), so a
//     client opening many connections pushes out its own, never a master's;
//   - an accept that fails (out of descriptors, say) is counted, logged and retried
//     after 100 ms: the server never stops accepting.
// Each refusal is logged at most once a minute per client address, with a count
// of the ones left out, and at most 60 lines a minute over all addresses, with
// one summary line; the counters have them all.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hal/modbus_pdu.hpp"
#include "hal/server_counters.hpp"

namespace hal::server {

struct Peer {
  std::uint64_t id = 0;       // the connection's number, from 1
  std::uint32_t address = 0;  // IPv4, host order; 0 when not IPv4
  std::string text;           // the address as text
};

// What a server serves: the core asks it only about requests that decoded well.
class Service {
 public:
  virtual ~Service() = default;
  // 0 when requests for `unit` are served here; otherwise the exception they get
  // (a gateway: 11, target device failed to respond).
  virtual std::uint8_t route(std::uint8_t unit) {
    (void)unit;
    return 0;
  }
  // How long to hold the answer for `unit` (a slow device), in seconds; reading
  // from that connection waits too, other connections do not.
  virtual double delay_s(std::uint8_t unit) {
    (void)unit;
    return 0;
  }
  // Registers in each table: address + quantity beyond it gets exception 2.
  virtual long table_registers() const { return pdu::kTableRegisters; }
  // A request that decoded: fill a read's `request.count` words, or apply a write.
  virtual pdu::Served serve(const Peer& peer, std::uint8_t unit, const pdu::Request& request,
                            std::uint16_t* words) = 0;
  // A request the core refused before serve (function not served, bad quantity,
  // address beyond the table): for an audit.
  virtual void refused(const Peer& peer, std::uint8_t function, std::uint8_t exception,
                       const char* why) {
    (void)peer, (void)function, (void)exception, (void)why;
  }
};

using Log = std::function<void(const std::string& line)>;

class TcpServer {
 public:
  // Listens on `host`:`port` (0: any free port). `name` starts each log line.
  // With `numbering`, connection numbers are drawn from it (several servers that
  // share one). Throws std::system_error when the address cannot be bound.
  TcpServer(asio::io_context& io, const std::string& host, int port, const Limits& limits,
            Service& service, Log log, std::string name, std::uint64_t* numbering = nullptr);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  int port() const { return port_; }
  const Counters& counters() const { return counters_; }

 private:
  class Connection;
  using Clock = std::chrono::steady_clock;
  enum class Closed { kPeer, kEvicted, kIdle, kSlow, kBadFrame };

  void accept();
  void admit(asio::ip::tcp::socket socket);
  std::shared_ptr<Connection> eviction_victim(std::uint32_t newcomer);
  void sweep();
  void closed(Connection& c, Closed why, const char* what);
  // A refusal for the log, at most one line a minute per address.
  void note(std::uint32_t address, const std::string& text, const std::string& what);

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_, sweep_;
  int port_ = 0;
  Limits limits_;
  Service& service_;
  Log log_;
  std::string name_;
  std::uint64_t own_numbering_ = 0;
  std::uint64_t* numbering_;
  std::vector<std::shared_ptr<Connection>> connections_;
  struct Gate {
    Clock::time_point logged;
    std::uint64_t left_out = 0;
    std::string text;
  };
  std::unordered_map<std::uint32_t, Gate> gates_;
  std::unordered_map<std::uint32_t, int> per_address_;  // open connections by address
  Clock::time_point minute_began_ = Clock::now();
  std::uint64_t lines_this_minute_ = 0, lines_left_out_ = 0;
  Counters counters_;
};

}  // namespace hal::server
