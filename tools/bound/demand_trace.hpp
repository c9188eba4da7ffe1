// What the site would draw with every megawatt supplied: the scenario's jobs and
// load surges played on a plant that never loses its supply and is never capped,
// averaged over the bound's intervals.
#pragma once

#include <vector>

#include "sim/scenario.hpp"
#include "site/site.hpp"

namespace bound {

struct DemandTrace {
  double interval_s = 0;
  // Per interval, means: the pods' IT demand (uncapped, every pod running), and the
  // load that is not IT power (fixed load and surges; cooling and conversion losses
  // follow the IT served, so they are not here).
  std::vector<double> it_mw, other_mw;
};

// Steps the plant at the scenario's step with only the events that change what is
// demanded (job start and stop, load surge); faults and commands are the supply's
// side and go into the supply envelope instead.
DemandTrace record_demand(const sim::Scenario& scenario, const site::Site& site, double interval_s);

}  // namespace bound
