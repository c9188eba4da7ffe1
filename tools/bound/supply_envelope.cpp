#include "supply_envelope.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "site/turbine_fuel.hpp"

namespace bound {
namespace {

// One unit, from the scenario's point of view: when it could first be on the bus,
// and the moments it is knocked off.
struct UnitPlan {
  const site::TurbineGroup* group = nullptr;
  double initial_pu = -1;  // online at the start at this load; < 0: off
  std::vector<double> trips_s;
  int starts_left = 1 << 20;
};

double start_sequence_s(const site::TurbineGroup& g) {
  return g.purge_s + g.ignition_s + g.acceleration_s + g.synchronisation_s;
}

std::vector<UnitPlan> unit_plans(const sim::Scenario& scenario, const site::Site& site) {
  std::vector<UnitPlan> units;
  for (const site::TurbineGroup& g : site.turbine_groups)
    for (int k = 0; k < g.count; ++k)
      units.push_back(UnitPlan{&g, -1, {}, 1 << 20});
  for (const auto& [unit, mw] : scenario.initial.turbines_online) {
    UnitPlan& u = units[static_cast<size_t>(unit)];
    u.initial_pu = u.group->rating_mw > 0 ? mw / u.group->rating_mw : 0;
  }
  for (const sim::Event& e : scenario.events)
    if (e.type == sim::EventType::kTurbineTrip && e.target >= 0 &&
        e.target < static_cast<int>(units.size()))
      units[static_cast<size_t>(e.target)].trips_s.push_back(e.at_s);
  if (site.permit.starts_per_unit_per_year > 0)
    for (UnitPlan& u : units)
      u.starts_left = site.permit.starts_per_unit_per_year - scenario.permit_usage.starts_per_unit;
  return units;
}

// Connected share of each second: outages and returns as the scenario plays them.
std::vector<double> grid_by_second(const sim::Scenario& scenario, int seconds) {
  std::vector<double> share(static_cast<size_t>(seconds), 1.0);
  bool connected = scenario.initial.breaker_closed;
  double since_s = 0;
  auto fill = [&](double until_s, bool on) {
    for (int t = static_cast<int>(std::floor(since_s)); t < seconds && t < until_s; ++t) {
      const double lo = std::max<double>(t, since_s), hi = std::min<double>(t + 1, until_s);
      if (!on && hi > lo) share[static_cast<size_t>(t)] -= hi - lo;
    }
  };
  for (const sim::Event& e : scenario.events) {
    const bool outage = e.type == sim::EventType::kGridOutage;
    const bool back = e.type == sim::EventType::kGridReturn;
    if (!outage && !back) continue;
    fill(e.at_s, connected);
    since_s = e.at_s;
    // An outage opens the POI; after a return the best a controller does is close at once.
    connected = back;
  }
  fill(seconds, connected);
  for (double& s : share)
    s = std::clamp(s, 0.0, 1.0);
  return share;
}

// A unit's most output, second by second: from its initial load, or from the end of
// a start sequence begun at the first moment it may, rising at the fastest rate the
// bus allows (the setpoint ramp on the grid; the valves' opening rate in an island,
// where speed and isochronous control raise the output past the setpoint).
std::vector<double> unit_envelope_mw(const UnitPlan& u, const std::vector<double>& grid_share,
                                     double nox_left_kg) {
  const site::TurbineGroup& g = *u.group;
  const auto seconds = grid_share.size();
  std::vector<double> cap(seconds, 0.0);
  const bool may_start =
      u.starts_left > 0 && (nox_left_kg < 0 || site::start_nox_kg(g) <= nox_left_kg);
  double pu = u.initial_pu;  // < 0: off
  double on_bus_at_s = pu >= 0 ? 0 : (may_start ? start_sequence_s(g) : -1);
  int starts = u.initial_pu >= 0 ? 0 : 1;
  size_t next_trip = 0;
  for (size_t t = 0; t < seconds; ++t) {
    const double now = static_cast<double>(t);
    while (next_trip < u.trips_s.size() && u.trips_s[next_trip] <= now) {
      // Tripped: off the bus from the next whole second (the envelope keeps the second it
      // tripped in), back after a reset and a new start if one is left.
      pu = -1;
      ++starts;
      on_bus_at_s = starts <= u.starts_left ? u.trips_s[next_trip] + start_sequence_s(g) : -1;
      ++next_trip;
    }
    if (pu < 0 && on_bus_at_s >= 0 && now >= on_bus_at_s) pu = 0;
    if (pu < 0) continue;
    const double rate_pu_per_s =
        grid_share[t] >= 1.0 ? g.ramp_rate_pu_per_min / 60.0
                             : std::max(g.ramp_rate_pu_per_min / 60.0, g.valve_open_rate_pu_per_s);
    pu = std::min(1.0, pu + rate_pu_per_s);
    cap[t] = pu * g.rating_mw;
  }
  return cap;
}

double largest_units_mw(const site::Site& site, int count) {
  std::vector<double> ratings;
  for (const site::TurbineGroup& g : site.turbine_groups)
    for (int k = 0; k < g.count; ++k)
      ratings.push_back(g.rating_mw);
  std::sort(ratings.begin(), ratings.end(), std::greater<>());
  double sum = 0;
  for (size_t i = 0; i < ratings.size() && (count <= 0 || static_cast<int>(i) < count); ++i)
    sum += ratings[i];
  return sum;
}

// Mean over each interval of a per-second series.
std::vector<double> interval_means(const std::vector<double>& per_s, double interval_s,
                                   int intervals) {
  std::vector<double> out(static_cast<size_t>(intervals), 0.0);
  std::vector<double> n(out.size(), 0.0);
  for (size_t t = 0; t < per_s.size(); ++t) {
    const auto k =
        std::min(out.size() - 1, static_cast<size_t>(static_cast<double>(t) / interval_s));
    out[k] += per_s[t];
    n[k] += 1;
  }
  for (size_t k = 0; k < out.size(); ++k)
    if (n[k] > 0) out[k] /= n[k];
  return out;
}

}  // namespace

double least_fuel_per_mwh_pu(const site::TurbineGroup& g) {
  double least = 1.0;
  for (int i = 1; i <= 1000; ++i) {
    const double p = i / 1000.0;
    least = std::min(least, site::fuel_pu_at_load(g, p) / p);
  }
  return least * (1 - 1e-6);  // sampled: never above the true least
}

SupplyEnvelope supply_envelope(const sim::Scenario& scenario, const site::Site& site,
                               double interval_s, int intervals) {
  SupplyEnvelope env;
  env.interval_s = interval_s;
  const int seconds = static_cast<int>(std::ceil(scenario.duration_s));
  const std::vector<double> grid_s = grid_by_second(scenario, seconds);
  if (site.permit.nox_cap_short_tons_per_12_months > 0)
    env.nox_left_kg =
        std::max(0.0, site.permit.nox_cap_kg() -
                          scenario.permit_usage.nox_short_tons * site::kKgPerShortTon);
  std::vector<double> cap_s(static_cast<size_t>(seconds), 0.0);
  std::vector<double> ramp_s(static_cast<size_t>(seconds), 0.0);
  env.nox_kg_per_mwh = -1;
  for (const UnitPlan& u : unit_plans(scenario, site)) {
    const std::vector<double> cap = unit_envelope_mw(u, grid_s, env.nox_left_kg);
    for (size_t t = 0; t < cap.size(); ++t)
      cap_s[t] += cap[t];
    const site::TurbineGroup& g = *u.group;
    for (size_t t = 0; t < ramp_s.size(); ++t)
      ramp_s[t] += g.rating_mw * (grid_s[t] >= 1.0 ? g.ramp_rate_pu_per_min / 60.0
                                                   : std::max(g.ramp_rate_pu_per_min / 60.0,
                                                              g.valve_open_rate_pu_per_s));
    // kg per MWh = MMBtu per MWh at full load x least fuel share x kg NOx per MMBtu.
    const double nox = g.heat_rate_btu_per_kwh / 1000.0 * least_fuel_per_mwh_pu(g) *
                       std::min(site::nox_kg_per_mmbtu_from_ppm(g.nox_ppm),
                                site::nox_kg_per_mmbtu_from_ppm(g.part_load_nox_ppm));
    env.nox_kg_per_mwh = env.nox_kg_per_mwh < 0 ? nox : std::min(env.nox_kg_per_mwh, nox);
  }
  env.nox_kg_per_mwh = std::max(0.0, env.nox_kg_per_mwh);
  env.units_max_mw = largest_units_mw(site, site.permit.max_units_running);
  env.grid_share = interval_means(grid_s, interval_s, intervals);
  env.units_cap_mw = interval_means(cap_s, interval_s, intervals);
  // A mean over an interval rises from the one before at most the fastest rate over
  // both times the interval.
  std::vector<double> fastest(static_cast<size_t>(intervals), 0.0);
  for (size_t t = 0; t < ramp_s.size(); ++t) {
    const auto k =
        std::min(fastest.size() - 1, static_cast<size_t>(static_cast<double>(t) / interval_s));
    fastest[k] = std::max(fastest[k], ramp_s[t]);
  }
  env.units_ramp_mw.assign(fastest.size(), 0.0);
  for (size_t k = 0; k < fastest.size(); ++k)
    env.units_ramp_mw[k] = std::max(fastest[k], k > 0 ? fastest[k - 1] : 0.0) * interval_s * 1.0001;
  return env;
}

}  // namespace bound
