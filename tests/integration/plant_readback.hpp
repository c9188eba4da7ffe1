// What the devices say, read over Modbus by a test (an independent client, not
// plantd's backend): each unit's status, each pod's cap and compute power, and
// every device's owner epoch.
#pragma once

#include <modbus/modbus.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
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

// Watches a controller take over (a restart, a standby): reads the plant every
// 0.5 s for 4 s, checks that no unit running or starting at `before` stopped, and
// returns the largest rise of any pod's cap, as a share of its compute power.
// `after` holds the last reading.
inline double watch_takeover(modbus_t* ctx, const site::Site& site, const PlantReadback& before,
                             PlantReadback& after) {
  double worst_rise_pu = 0;
  after = before;
  for (int k = 0; k < 8; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    after = read_plant(ctx, site);
    for (std::size_t p = 0; p < after.cap_mw.size(); ++p)
      worst_rise_pu =
          std::max(worst_rise_pu, (after.cap_mw[p] - before.cap_mw[p]) / before.compute_mw[p]);
    for (std::size_t u = 0; u < after.unit_status.size(); ++u) {
      INFO("unit " << u << " at check " << k);
      if (running(before.unit_status[u])) CHECK(running(after.unit_status[u]));
    }
  }
  return worst_rise_pu;
}

}  // namespace test
