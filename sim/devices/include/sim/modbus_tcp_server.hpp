// Serves a DeviceBank over Modbus TCP: Asio for the event loop (many clients at
// once; a slow or silent client stalls no one else), libmodbus for the protocol
// (modbus_reply builds every answer). Devices are found by port and unit id, by
// the one addressing rule in hal/device_addresses.hpp.
//
// Each request: read the 7-byte MBAP header, check protocol id 0 and the length
// (ADU at most 260 bytes), read the rest, answer (or, for a silent device, not).
// A malformed frame closes that connection only. The request itself is answered
// by answer_request (modbus_request.hpp), shared with the RTU server; given a
// mutex, the server holds it while it reads or writes the bank (the plant may be
// stepped, or served over RTU, on another thread).
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sim/device_bank.hpp"
#include "sim/modbus_request.hpp"
#include "site/site.hpp"

namespace sim {

class ModbusTcpServer {
 public:
  // Listens on `host` at the site's device ports, shifted so the first is `base_port`.
  ModbusTcpServer(asio::io_context& io, DeviceBank& bank, const site::Site& site,
                  const std::string& host, int base_port, std::mutex* mutex = nullptr);
  ~ModbusTcpServer();

  const std::vector<int>& ports() const { return ports_; }
  const ServerStats& stats() const { return stats_; }

 private:
  class Session;
  void accept(std::size_t listener);

  asio::io_context& io_;
  DeviceBank& bank_;
  std::mutex* mutex_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  // Device index by (port slot, unit id): -1 where no device is.
  std::vector<std::vector<int>> device_at_;
  ServerStats stats_;
};

}  // namespace sim
