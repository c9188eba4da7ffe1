#include "hal/device_addresses.hpp"

#include <algorithm>

namespace hal::regs {

std::vector<DeviceAddress> device_addresses(const site::Site& site) {
  std::vector<DeviceAddress> out;
  auto add = [&](DeviceKind kind, int index, std::string name) {
    const int n = static_cast<int>(out.size());
    const bool gateway = site.modbus.layout == site::ModbusLayout::kGateway;
    const int port = site.modbus.base_port + (gateway ? n / kUnitIdsPerGateway : n);
    const int unit = gateway ? 1 + n % kUnitIdsPerGateway : 1;
    DeviceAddress a;
    a.kind = kind;
    a.index = index;
    a.name = name;
    a.host = site.modbus.host;
    a.port = port;
    a.unit_id = unit;
    for (const site::ModbusDevice& d : site.modbus.devices) {
      if (d.name != name) continue;
      a.host = d.host;
      a.port = d.serial.empty() ? d.port : 0;
      a.unit_id = d.unit_id;
      a.elsewhere = true;
      a.serial = d.serial;
      a.baud = d.baud;
      a.parity = d.parity;
      a.stop_bits = d.stop_bits;
    }
    out.push_back(a);
  };
  add(DeviceKind::kPoi, 0, "poi");
  if (site.has_battery) add(DeviceKind::kBattery, 0, "battery");
  for (int u = 0; u < site.turbine_count(); ++u)
    add(DeviceKind::kTurbine, u, "turbine." + std::to_string(u));
  for (int p = 0; p < site.pod_count(); ++p)
    add(DeviceKind::kPodGateway, p, "pod." + std::to_string(p));
  return out;
}

std::vector<int> device_ports(const site::Site& site) {
  std::vector<int> ports;
  for (const DeviceAddress& a : device_addresses(site))
    if (!a.elsewhere && (ports.empty() || ports.back() != a.port)) ports.push_back(a.port);
  return ports;
}

}  // namespace hal::regs
