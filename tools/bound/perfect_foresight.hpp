// `plantctl scenario bound`: the least GPU energy any controller could leave
// undelivered on a scenario, knowing its whole future. A linear program over the
// scenario's demand (as the simulator plays it), the grid and its contract, the
// units' earliest output, the battery and the permit's NOx, every relaxation
// chosen so its optimum is a true lower bound (docs/bound.md), solved by GLPK.
#pragma once

#include <string>

#include "demand_trace.hpp"
#include "sim/scenario.hpp"
#include "site/site.hpp"
#include "supply_envelope.hpp"

namespace bound {

struct BoundOptions {
  double interval_s = 0;  // 0: 10 s, longer for long scenarios (at most 20,000 intervals)
  // Hold the site's import ramp limit as well: a bound for controllers that keep it.
  bool hold_import_ramp = false;
};

// What the supply and the load share apart from the envelope: the site's facts.
struct SiteLimits {
  double contract_mw = 0;
  double import_ramp_mw_per_min = 0;  // 0: none
  double load_per_it_mw = 1;          // facility load per MW of IT served (1 + losses + cooling)
  double battery_mw = 0, battery_min_mwh = 0, battery_max_mwh = 0, battery_start_mwh = 0;
  double battery_one_way_efficiency = 1;
};

struct BoundResult {
  bool solved = false;
  std::string problem;           // why not, when not solved
  double not_delivered_mwh = 0;  // the bound: GPU (IT) energy demanded and not delivered
  double it_demand_mwh = 0;
  double unserved_other_mwh = 0;  // facility load no source could carry (IT all off)
  double interval_s = 0;
  int intervals = 0;
};

SiteLimits site_limits(const sim::Scenario& scenario, const site::Site& site);
double default_interval_s(double duration_s);

BoundResult solve_bound(const DemandTrace& demand, const SupplyEnvelope& supply,
                        const SiteLimits& limits, bool hold_import_ramp);

BoundResult perfect_foresight_bound(const sim::Scenario& scenario, const site::Site& site,
                                    const BoundOptions& options);

}  // namespace bound
