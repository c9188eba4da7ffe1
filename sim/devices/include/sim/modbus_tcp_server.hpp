// Serves a DeviceBank over Modbus TCP: one port per site device port, each on the
// shared server core (hal/tcp_server.hpp: framing, the PDU codec, the connection
// rules and counters; a slow or silent client stalls no one else). Devices are
// found by port and unit id, by the one addressing rule in hal/device_addresses.hpp;
// a unit id with no device behind the port gets exception 11 (gateway target
// device failed to respond), as a gateway answers. A slow device (the scenario
// fault device_slow) answers after its delay, on a timer. Given a mutex, the
// server holds it while it reads or writes the bank (the plant may be stepped, or
// served over RTU, on another thread).
//
// Connection rules: the fixed kLimits below, for each port (plantd opens a
// connection per device, all from one address).
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hal/tcp_server.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_request.hpp"
#include "site/site.hpp"

namespace sim {

class ModbusTcpServer {
 public:
  static constexpr hal::server::Limits kLimits{512, 512, 600, 1000};

  // Listens on `host` at the site's device ports, shifted so the first is `base_port`.
  ModbusTcpServer(asio::io_context& io, DeviceBank& bank, const site::Site& site,
                  const std::string& host, int base_port, std::mutex* mutex = nullptr);
  ~ModbusTcpServer();

  const std::vector<int>& ports() const { return ports_; }
  // Every port's, added up.
  ServerStats stats() const;

 private:
  class Port;
  DeviceBank& bank_;
  std::mutex* mutex_;
  std::vector<int> ports_;
  std::uint64_t connection_numbers_ = 0;  // a client id for the owner rule, across ports
  std::vector<std::unique_ptr<Port>> served_;
};

}  // namespace sim
