#include "demand_trace.hpp"

#include <cmath>

#include "sim/plant.hpp"
#include "sim/scenario_player.hpp"

namespace bound {
namespace {

bool changes_demand(sim::EventType t) {
  return t == sim::EventType::kJobStart || t == sim::EventType::kJobStop ||
         t == sim::EventType::kLoadSurge;
}

sim::Scenario demand_only(const sim::Scenario& scenario) {
  sim::Scenario s = scenario;
  s.events.clear();
  for (const sim::Event& e : scenario.events)
    if (changes_demand(e.type)) s.events.push_back(e);
  s.initial = sim::InitialState{};  // on the grid, breaker closed
  return s;
}

}  // namespace

DemandTrace record_demand(const sim::Scenario& scenario, const site::Site& site,
                          double interval_s) {
  const sim::Scenario s = demand_only(scenario);
  sim::Plant plant(site, sim::PlantOptions{s.step_s, s.seed});
  sim::ScenarioPlayer player(plant, s);
  player.initialise();
  DemandTrace trace;
  trace.interval_s = interval_s;
  const auto intervals = static_cast<size_t>(std::ceil(s.duration_s / interval_s - 1e-9));
  trace.it_mw.assign(intervals, 0.0);
  trace.other_mw.assign(intervals, 0.0);
  std::vector<double> seconds(intervals, 0.0);
  const double fixed_mw = site.facility.fixed_mw;
  while (plant.time_s() < s.duration_s - 1e-9) {
    player.apply_due();
    const double t0 = plant.time_s();
    plant.step();
    const auto k = std::min(intervals - 1, static_cast<size_t>(t0 / interval_s + 1e-9));
    const double dt = plant.step_s();
    trace.it_mw[k] += plant.pods().demand_it_mw() * dt;
    trace.other_mw[k] += (fixed_mw + plant.state().surge_mw) * dt;
    seconds[k] += dt;
  }
  for (size_t k = 0; k < intervals; ++k) {
    if (seconds[k] <= 0) continue;
    trace.it_mw[k] /= seconds[k];
    trace.other_mw[k] /= seconds[k];
  }
  return trace;
}

}  // namespace bound
