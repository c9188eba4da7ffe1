#include "swing_forecast.hpp"

#include <algorithm>
#include <cmath>

namespace fw {

namespace {
// A phase's level follows its readings at this weight per scan: a few scans
// learn a new level (a cap, a checkpoint's idle minute), one odd reading does not.
constexpr double kLevelWeight = 0.3;
// Readings this close to an edge's ramp are neither phase's level.
constexpr double kEdgeGuardS = 0.03;

// Compute time in [0, u] of a wave that computes for compute_s from each period's start.
double compute_time(double u, double period_s, double compute_s) {
  const double k = std::floor(u / period_s);
  return k * compute_s + std::min(u - k * period_s, compute_s);
}
}  // namespace

SwingForecast::SwingForecast(const site::Site& site) {
  int first = 0;
  for (const site::PodGroup& g : site.pod_groups) {
    if (g.workload == site::Workload::kTraining && g.count > 0) {
      Group s;
      s.first_pod = first;
      s.pods = g.count;
      s.period_s = g.iteration_period_s;
      s.compute_s = g.compute_fraction * g.iteration_period_s;
      s.edge_s = g.gpu_power_edge_s + g.gpu_edge_spread_s;
      groups_.push_back(s);
    }
    first += g.count;
  }
}

double SwingForecast::compute_share(const Group& g, double from_s, double to_s) {
  const double shift = g.origin_s + 0.5 * g.edge_s;  // an edge's ramp, at its middle
  if (to_s - from_s < 1e-6) {  // an edge with no ramp: the phase at that instant
    const double u = from_s - shift;
    return u - std::floor(u / g.period_s) * g.period_s < g.compute_s ? 1.0 : 0.0;
  }
  return (compute_time(to_s - shift, g.period_s, g.compute_s) -
          compute_time(from_s - shift, g.period_s, g.compute_s)) /
         (to_s - from_s);
}

void SwingForecast::observe(const hal::ProcessImage& image, double now_s) {
  now_mw_ = 0;
  for (Group& g : groups_) {
    g.known = false;
    double power = 0;
    bool power_ok = true;
    for (int p = g.first_pod; p < g.first_pod + g.pods; ++p) {
      const hal::PodInputs& in = image.pods[static_cast<size_t>(p)];
      power_ok &= in.power_mw.good();
      power += in.power_mw.value;
      if (!g.known && in.iteration_phase_s.good() && in.iteration_phase_s.value < g.period_s) {
        g.known = true;
        g.origin_s = now_s - in.iteration_phase_s.value;
      }
    }
    if (!g.known || !power_ok) continue;
    // Learn the level of the phase this scan is in, away from the edges' ramps.
    const double phase = now_s - g.origin_s;
    const double guard = g.edge_s + kEdgeGuardS;
    double* level = nullptr;
    if (phase > guard && phase < g.compute_s - kEdgeGuardS) level = &g.high_mw;
    if (phase > g.compute_s + guard && phase < g.period_s - kEdgeGuardS) level = &g.low_mw;
    if (level) {
      if (!g.levels_seen) g.high_mw = g.low_mw = power;
      g.levels_seen = true;
      *level += (power - *level) * kLevelWeight;
    }
    if (g.levels_seen)
      now_mw_ +=
          (g.high_mw - g.low_mw) * compute_share(g, now_s - 0.5 * g.edge_s, now_s + 0.5 * g.edge_s);
  }
}

double SwingForecast::mean_mw(double t_s, double width_s) const {
  double mw = 0;
  for (const Group& g : groups_)
    if (g.known && g.levels_seen)
      mw += (g.high_mw - g.low_mw) * compute_share(g, t_s - 0.5 * width_s, t_s + 0.5 * width_s);
  return mw;
}

}  // namespace fw
