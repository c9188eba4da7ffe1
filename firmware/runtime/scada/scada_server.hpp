// plantd's Modbus TCP server for SCADA and HMIs, on the shared server core
// (hal/tcp_server.hpp: framing, the PDU codec, the connection rules of [scada]).
// It runs on the scan loop's own io_context (one thread): requests are answered
// between scans from the tables the last scan filled, so a reader never sees half
// a scan, and a write reaches the controller at the next scan with no lock
// anywhere. Nothing in it waits: no request, malformed frame or number of
// connections can delay the scan (docs/operations.md).
//
// Function codes 3 and 4 read from the tables; 6 and 16 write, through the write
// handler, which decides and audits; every other code gets exception 1. Any unit
// id is answered.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "hal/tcp_server.hpp"
#include "scada_image.hpp"
#include "scada_writes.hpp"
#include "site/site.hpp"

namespace runtime {

struct ScadaStats {
  hal::server::Counters server;  // connections, refusals, frames, requests
  std::uint64_t writes_accepted = 0, writes_refused = 0;
};

// The connection rules of a site's [scada] table.
hal::server::Limits scada_limits(const site::Scada& settings);

class ScadaServer : private hal::server::Service {
 public:
  // `client` is the peer's IPv4 address in host order, `client_text` the same as text.
  using WriteHandler =
      std::function<WriteOutcome(const std::string& client_text, std::uint32_t client,
                                 std::uint16_t address, const std::uint16_t* words, int count)>;

  // A write or another function refused before any register is looked at (a
  // function code the map does not serve, a write whose quantity does not add up):
  // for the audit. Reads refused by the protocol's rules are only counted and logged.
  using RefusalHandler =
      std::function<void(const std::string& client_text, const std::string& what, int exception)>;

  // Listens on settings.bind:`port`. Throws std::system_error when it cannot be bound.
  ScadaServer(asio::io_context& io, const site::Scada& settings, int port, ScadaImage& image,
              WriteHandler on_write, RefusalHandler on_refusal, hal::server::Log log);

  int port() const { return server_.port(); }
  ScadaStats stats() const {
    ScadaStats s = stats_;
    s.server = server_.counters();
    return s;
  }

 private:
  long table_registers() const override { return hal::regs::kScadaRegisters; }
  hal::pdu::Served serve(const hal::server::Peer& peer, std::uint8_t unit,
                         const hal::pdu::Request& request, std::uint16_t* words) override;
  void refused(const hal::server::Peer& peer, std::uint8_t function, std::uint8_t exception,
               const char* why) override;

  ScadaImage& image_;
  WriteHandler on_write_;
  RefusalHandler on_refusal_;
  ScadaStats stats_;
  hal::server::TcpServer server_;  // last: it serves from the members above
};

}  // namespace runtime
