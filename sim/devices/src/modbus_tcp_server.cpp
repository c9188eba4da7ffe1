#include "sim/modbus_tcp_server.hpp"

#include <algorithm>
#include <cstdio>

#include "hal/device_addresses.hpp"

namespace sim {

// One port: its devices by unit id, and its server.
class ModbusTcpServer::Port : public hal::server::Service {
 public:
  Port(ModbusTcpServer& owner, asio::io_context& io, const std::string& host, int port,
       std::vector<int> device_at)
      : owner_(owner),
        device_at_(std::move(device_at)),
        server_(io, host, port, kLimits, *this, log, "plantsim port " + std::to_string(port),
                &owner.connection_numbers_) {}

  const hal::server::Counters& counters() const { return server_.counters(); }

  std::uint8_t route(std::uint8_t unit) override {
    return device_at_[unit] < 0 ? hal::pdu::kGatewayTargetFailed : 0;
  }
  double delay_s(std::uint8_t unit) override {
    const int device = device_at_[unit];
    if (device < 0) return 0;
    if (!owner_.mutex_) return owner_.bank_.delay_s(device);
    const std::lock_guard<std::mutex> lock(*owner_.mutex_);
    return owner_.bank_.delay_s(device);
  }
  hal::pdu::Served serve(const hal::server::Peer& peer, std::uint8_t unit,
                         const hal::pdu::Request& request, std::uint16_t* words) override {
    return serve_request(owner_.bank_, owner_.mutex_, device_at_[unit], peer.id, request, words);
  }

 private:
  static void log(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }
  ModbusTcpServer& owner_;
  std::vector<int> device_at_;  // by unit id: the device's index, -1 where none is
  hal::server::TcpServer server_;
};

ModbusTcpServer::ModbusTcpServer(asio::io_context& io, DeviceBank& bank, const site::Site& site,
                                 const std::string& host, int base_port, std::mutex* mutex)
    : bank_(bank), mutex_(mutex) {
  const std::vector<hal::regs::DeviceAddress> addresses = hal::regs::device_addresses(site);
  const std::vector<int> site_ports = hal::regs::device_ports(site);
  for (int port : site_ports)
    ports_.push_back(port - site.modbus.base_port + base_port);
  std::vector<std::vector<int>> device_at(ports_.size(), std::vector<int>(256, -1));
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (addresses[i].elsewhere) continue;  // served by a real device on the bench
    const auto slot = static_cast<size_t>(
        std::find(site_ports.begin(), site_ports.end(), addresses[i].port) - site_ports.begin());
    device_at[slot][static_cast<size_t>(addresses[i].unit_id)] = static_cast<int>(i);
  }
  for (size_t s = 0; s < ports_.size(); ++s)
    served_.push_back(std::make_unique<Port>(*this, io, host, ports_[s], std::move(device_at[s])));
}

ModbusTcpServer::~ModbusTcpServer() = default;

ServerStats ModbusTcpServer::stats() const {
  ServerStats st;
  for (const std::unique_ptr<Port>& p : served_) {
    const hal::server::Counters& c = p->counters();
    st.requests += c.requests;
    st.exceptions += c.exceptions;
    st.unanswered += c.unanswered;
    st.bad_frames += c.bad_frames;
    st.connections += c.connections;
    st.refused += c.refused;
    st.evicted += c.evicted;
    st.closed_idle += c.closed_idle;
    st.closed_slow += c.closed_slow;
    st.accept_errors += c.accept_errors;
  }
  return st;
}

}  // namespace sim
