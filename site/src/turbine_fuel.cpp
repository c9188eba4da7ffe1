#include "site/turbine_fuel.hpp"

#include <algorithm>

namespace site {

namespace {
constexpr double kMmbtuPerMwhPerBtuPerKwh = 1e-3;
constexpr double kLbPerKg = 2.2046226218;
// Method 19: E [lb/MMBtu] = C [ppm] * K * Fd * 20.9 / (20.9 - %O2), K for NOx (as NO2).
constexpr double kNoxLbPerScfPerPpm = 1.194e-7;
constexpr double kGasFdDscfPerMmbtu = 8710.0;
constexpr double kReferenceO2Pct = 15.0;
// A unit counts as at a load within this share of it (the simulator's online test).
constexpr double kLoadTolerancePu = 1e-3;
}  // namespace

double full_load_fuel_mmbtu_per_h(const TurbineGroup& g) {
  return g.rating_mw * g.heat_rate_btu_per_kwh * kMmbtuPerMwhPerBtuPerKwh;
}

double fuel_pu_at_load(const TurbineGroup& g, double load_pu) {
  const double p = std::clamp(load_pu, 0.0, 1.0);
  const double nl = g.no_load_fuel_pu;
  const double c = 2.0 * (1.0 + nl - g.heat_rate_half_load_pu);
  const double b = 1.0 - nl - c;
  return nl + (b + c * p) * p;
}

double nox_kg_per_mmbtu_from_ppm(double nox_ppm) {
  const double lb_per_mmbtu =
      nox_ppm * kNoxLbPerScfPerPpm * kGasFdDscfPerMmbtu * 20.9 / (20.9 - kReferenceO2Pct);
  return lb_per_mmbtu / kLbPerKg;
}

double nox_ppm_at_load(const TurbineGroup& g, double load_pu, bool starting) {
  const bool low_nox = !starting && load_pu >= g.low_nox_min_load_pu * (1 - kLoadTolerancePu);
  return low_nox ? g.nox_ppm : g.part_load_nox_ppm;
}

double start_fuel_mmbtu(const TurbineGroup& g) {
  const double full = full_load_fuel_mmbtu_per_h(g);
  const double firing_h = (g.ignition_s + g.acceleration_s + g.synchronisation_s) / 3600.0;
  // The load ramp to minimum stable load: the mean of F over [0, msl] for msl / rate.
  const double msl = g.min_stable_load_pu;
  const double ramp_h = msl / g.ramp_rate_pu_per_min / 60.0;
  const double mean_fuel_pu =
      (fuel_pu_at_load(g, 0) + 4 * fuel_pu_at_load(g, msl / 2) + fuel_pu_at_load(g, msl)) / 6;
  return full * (g.no_load_fuel_pu * firing_h + mean_fuel_pu * ramp_h);
}

double start_nox_kg(const TurbineGroup& g) {
  return start_fuel_mmbtu(g) * nox_kg_per_mmbtu_from_ppm(g.part_load_nox_ppm);
}

}  // namespace site
