// plantd's Modbus TCP server for SCADA and HMIs. It runs on the scan loop's own
// io_context (one thread): requests are answered between scans from the tables
// the last scan filled, so a reader never sees half a scan, and a write reaches
// the controller at the next scan with no lock anywhere.
//
// Function codes 3 and 4 read (libmodbus answers from the tables); 6 and 16 write,
// through the write handler, which decides and audits; every other code gets
// exception 1. Any unit id is answered. Connections beyond max_clients are closed
// at once and counted.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "scada_image.hpp"
#include "scada_writes.hpp"

typedef struct _modbus_mapping_t modbus_mapping_t;

namespace runtime {

struct ScadaStats {
  std::uint64_t requests = 0, writes_accepted = 0, writes_refused = 0, exceptions = 0,
                bad_frames = 0, connections = 0, connections_refused = 0, accept_errors = 0;
  int clients = 0;  // connected now
};

class ScadaServer {
 public:
  // `client` is the peer's IPv4 address in host order, `client_text` the same as text.
  using WriteHandler =
      std::function<WriteOutcome(const std::string& client_text, std::uint32_t client,
                                 std::uint16_t address, const std::uint16_t* words, int count)>;

  // A request refused before any register is looked at (a function code the map
  // does not serve, a write whose PDU does not add up): for the audit.
  using RefusalHandler =
      std::function<void(const std::string& client_text, const std::string& what, int exception)>;

  // Throws std::system_error when the address cannot be bound.
  ScadaServer(asio::io_context& io, const std::string& bind, int port, int max_clients,
              ScadaImage& image, WriteHandler on_write, RefusalHandler on_refusal);
  ~ScadaServer();
  ScadaServer(const ScadaServer&) = delete;
  ScadaServer& operator=(const ScadaServer&) = delete;

  int port() const { return port_; }
  const ScadaStats& stats() const { return stats_; }

 private:
  class Session;
  void accept();

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;  // after a failed accept
  int port_ = 0;
  int max_clients_;
  WriteHandler on_write_;
  RefusalHandler on_refusal_;
  modbus_mapping_t* read_mapping_ = nullptr;   // points at the image's tables
  modbus_mapping_t* write_mapping_ = nullptr;  // scratch, for echoing accepted writes
  ScadaStats stats_;
};

}  // namespace runtime
