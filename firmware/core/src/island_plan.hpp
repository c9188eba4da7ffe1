// The island's energy plan: how much load it can carry until the grid is expected
// back, from the units' capacity as each arrives and the battery's energy.
#pragma once

namespace fw {

// A unit's capacity, available from arrival_s (seconds from now) on.
struct IslandSupply {
  double capacity_mw = 0;
  double arrival_s = 0;
};

// The largest constant load the island can carry for horizon_s: the units carry
// what they can as they arrive (supplies sorted by arrival), the battery bridges
// the rest within power_mw until its energy_mwh is spent. A pure function of its
// arguments: it allocates nothing.
double island_sustainable_load_mw(const IslandSupply* supplies, int count,
                                  double battery_energy_mwh, double battery_power_mw,
                                  double horizon_s);

}  // namespace fw
