// What the devices say, read over Modbus by a test (an independent client, not
// plantd's backend): each unit's status, each pod's cap and compute power, and
// every device's owner epoch.
#pragma once

#include <modbus/modbus.h>
#include <catch2/catch.hpp>

#include <vector>

#include "hal/device_addresses.hpp"
#include "register_access.hpp"
#include "site/site.hpp"

namespace test {

struct PlantReadback {
  std::vector<double> unit_status;  // turbine map codes
  std::vector<double> cap_mw, compute_mw;
  std::vector<double> owner_epoch;  // every device, in addressing order
};

// `ctx` is connected to the gateway port; unit ids by the addressing rule.
inline PlantReadback read_plant(modbus_t* ctx, const site::Site& site) {
  PlantReadback p;
  for (const auto& a : hal::regs::device_addresses(site)) {
    const hal::regs::DeviceMap& map = hal::regs::device_map(a.kind);
    modbus_set_slave(ctx, a.unit_id);
    double v = -1;
    REQUIRE(hal::read_register(ctx, *map.find("owner_epoch"), v));
    p.owner_epoch.push_back(v);
    if (a.kind == hal::regs::DeviceKind::kTurbine) {
      REQUIRE(hal::read_register(ctx, *map.find("status"), v));
      p.unit_status.push_back(v);
    } else if (a.kind == hal::regs::DeviceKind::kPodGateway) {
      REQUIRE(hal::read_register(ctx, *map.find("cap_mw"), v));
      p.cap_mw.push_back(v);
      REQUIRE(hal::read_register(ctx, *map.find("compute_mw"), v));
      p.compute_mw.push_back(v);
    }
  }
  return p;
}

// Starting, loading or online.
inline bool running(double unit_status) {
  return unit_status >= 1 && unit_status <= 3;
}

}  // namespace test
