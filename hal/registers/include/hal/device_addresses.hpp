// Where each device of a site is served: over Modbus TCP, host, port and unit id,
// from the site's [modbus] section; over Modbus RTU, the serial line a
// [[modbus.device]] names. The simulator's servers and the controller's
// client both use this one rule.
//
// Devices in order: the POI, the battery (when there is one), the turbines, the
// pod gateways. "gateway" layout: up to 247 unit ids (1..247) per port, from
// base_port up; "port_per_device": one port each from base_port up, unit id 1.
#pragma once

#include <string>
#include <vector>

#include "hal/registers.hpp"
#include "site/site.hpp"

namespace hal::regs {

struct DeviceAddress {
  DeviceKind kind = DeviceKind::kPoi;
  int index = 0;     // unit or pod number; 0 for the POI and the battery
  std::string name;  // "poi", "battery", "turbine.3", "pod.12"
  std::string host;
  int port = 0;
  int unit_id = 1;
  bool elsewhere = false;  // a [[modbus.device]] override: not on the site's gateway ports
  // Modbus RTU when `serial` is not empty (an override only); host and port unused.
  std::string serial;
  int baud = 0;
  site::SerialParity parity = site::SerialParity::kEven;
  int stop_bits = 1;
};

constexpr int kUnitIdsPerGateway = site::kUnitIdsPerGateway;  // Modbus unit ids 1..247

std::vector<DeviceAddress> device_addresses(const site::Site& site);
// The site's gateway ports (not the `elsewhere` devices'), each once, in order.
std::vector<int> device_ports(const site::Site& site);

}  // namespace hal::regs
