// What the supply side could give at most, interval by interval, knowing the
// scenario's faults in advance: the grid while it is there, every unit as early as
// its start sequence allows, the battery's ratings. Each limit is the loosest a
// real controller could meet (docs/bound.md lists the relaxations).
#pragma once

#include <vector>

#include "sim/scenario.hpp"
#include "site/site.hpp"

namespace bound {

struct SupplyEnvelope {
  double interval_s = 0;
  std::vector<double> grid_share;     // of the interval with the grid connected, 0-1
  std::vector<double> units_cap_mw;   // mean of the units' upper envelope
  std::vector<double> units_ramp_mw;  // how far the units' output can rise in one interval
  double units_max_mw = 0;            // the permit's most units running, the largest ones
  // NOx: the least any unit emits per MWh delivered, and what the permit leaves.
  double nox_kg_per_mwh = 0;
  double nox_left_kg = -1;  // < 0: no cap
};

SupplyEnvelope supply_envelope(const sim::Scenario& scenario, const site::Site& site,
                               double interval_s, int intervals);

// The least fuel per MWh a unit of this group burns at any load, of its full-load
// fuel per MWh (fuel(p)/p over (0, 1]; 1 for a concave curve).
double least_fuel_per_mwh_pu(const site::TurbineGroup& g);

}  // namespace bound
