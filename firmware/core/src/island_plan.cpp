#include "island_plan.hpp"

#include <algorithm>

namespace fw {

namespace {

// The battery energy (MW s) a constant load_mw needs over the horizon.
double bridge_energy_mws(const IslandSupply* supplies, int count, double load_mw,
                         double horizon_s) {
  double energy = 0, capacity = 0, t = 0;
  int next = 0;
  while (t < horizon_s) {
    while (next < count && supplies[next].arrival_s <= t)
      capacity += supplies[next++].capacity_mw;
    // This segment ends at the next arrival or at the horizon.
    const double end = next < count ? std::min(supplies[next].arrival_s, horizon_s) : horizon_s;
    energy += std::max(0.0, load_mw - capacity) * (end - t);
    t = end;
  }
  return energy;
}

}  // namespace

double island_sustainable_load_mw(const IslandSupply* supplies, int count,
                                  double battery_energy_mwh, double battery_power_mw,
                                  double horizon_s) {
  double capacity_now = 0;
  for (int k = 0; k < count && supplies[k].arrival_s <= 0; ++k)
    capacity_now += supplies[k].capacity_mw;
  const double energy_mws = std::max(0.0, battery_energy_mwh) * 3600.0;
  // The battery's power bounds the load from the start; its energy over the horizon.
  double lo = capacity_now, hi = capacity_now + std::max(0.0, battery_power_mw);
  if (bridge_energy_mws(supplies, count, hi, horizon_s) <= energy_mws) return hi;
  // The energy needed grows monotonically with the load: bisect to 1 kW.
  while (hi - lo > 1e-3) {
    const double mid = 0.5 * (lo + hi);
    (bridge_energy_mws(supplies, count, mid, horizon_s) <= energy_mws ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace fw
