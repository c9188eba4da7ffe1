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
// The pods of a job share its phase: a phase counts when most of the first few
// answering pods report it within this (a Modbus read's age), so one stuck or
// lying gateway cannot steer the battery.
constexpr double kPhaseAgreeS = 0.02;
constexpr double kOutvoteClearS = 30;  // an outvoted pod agrees this long before it is cleared

// The distance between two phases on the circle of one period.
double phase_distance(double a, double b, double period_s) {
  const double d = std::fabs(a - b);
  return std::min(d, period_s - d);
}

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
    int voters = 0;
    for (int p = g.first_pod; p < g.first_pod + g.pods; ++p) {
      const hal::PodInputs& in = image.pods[static_cast<size_t>(p)];
      power_ok &= in.power_mw.good();
      power += in.power_mw.value;
      if (voters < kPhaseVoters && in.iteration_phase_s.good() &&
          in.iteration_phase_s.value < g.period_s) {
        voter_pods_[static_cast<size_t>(voters)] = p;
        votes_[static_cast<size_t>(voters++)] = in.iteration_phase_s.value;
      }
    }
    const double phase_s = agreed_phase(voters, g.period_s);
    g.known = phase_s >= 0;
    note_outvoted(g, voters, phase_s, now_s);
    if (g.known) g.origin_s = now_s - phase_s;
    if (!g.known) continue;
    // Learn the level of the phase this scan is in, away from the edges' ramps,
    // from every pod's reading. A silent pod stops the learning, not the swing:
    // the forecast at the next scan (mean_mw) still counts the group, and so must
    // the swing now, or the battery would answer the whole group's swing as a step.
    const double phase = now_s - g.origin_s;
    const double guard = g.edge_s + kEdgeGuardS;
    double* level = nullptr;
    if (phase > guard && phase < g.compute_s - kEdgeGuardS) level = &g.high_mw;
    if (phase > g.compute_s + guard && phase < g.period_s - kEdgeGuardS) level = &g.low_mw;
    if (level && power_ok) {
      if (!g.levels_seen) g.high_mw = g.low_mw = power;
      g.levels_seen = true;
      *level += (power - *level) * kLevelWeight;
    }
    if (g.levels_seen)
      now_mw_ +=
          (g.high_mw - g.low_mw) * compute_share(g, now_s - 0.5 * g.edge_s, now_s + 0.5 * g.edge_s);
  }
}

// The phase most of the voters report (each counted with those within
// kPhaseAgreeS of it); -1 when no phase has a majority.
double SwingForecast::agreed_phase(int voters, double period_s) const {
  int best = -1, best_count = 0;
  for (int i = 0; i < voters; ++i) {
    int count = 0;
    for (int j = 0; j < voters; ++j)
      if (phase_distance(votes_[static_cast<size_t>(i)], votes_[static_cast<size_t>(j)],
                         period_s) <= kPhaseAgreeS)
        ++count;
    if (count > best_count) {
      best = i;
      best_count = count;
    }
  }
  return best >= 0 && 2 * best_count > voters ? votes_[static_cast<size_t>(best)] : -1.0;
}

// The first voter farther than kPhaseAgreeS from the agreed phase, once per spell
// of disagreement (one ends after kOutvoteClearS of agreement): the operator
// learns which gateway reports a phase its job does not have.
void SwingForecast::note_outvoted(Group& g, int voters, double phase_s, double now_s) {
  int outvoted = -1;
  double off_s = 0;
  for (int i = 0; i < voters && phase_s >= 0 && outvoted < 0; ++i) {
    const double d = phase_distance(votes_[static_cast<size_t>(i)], phase_s, g.period_s);
    if (d > kPhaseAgreeS) {
      outvoted = voter_pods_[static_cast<size_t>(i)];
      off_s = d;
    }
  }
  if (outvoted >= 0) {
    if (outvoted != g.outvoted_pod) {
      g.outvote_unsaid = true;
      g.outvote_off_s = off_s;
    }
    g.outvoted_pod = outvoted;
    g.outvoted_at_s = now_s;
  } else if (now_s - g.outvoted_at_s > kOutvoteClearS) {
    g.outvoted_pod = -1;  // a stuck phase meets the true one once a period: not agreement
  }
}

bool SwingForecast::take_new_outvote(Outvote& out) {
  for (Group& g : groups_)
    if (g.outvote_unsaid) {
      g.outvote_unsaid = false;
      out = Outvote{g.outvoted_pod, g.outvote_off_s};
      return true;
    }
  return false;
}

double SwingForecast::mean_mw(double t_s, double width_s) const {
  double mw = 0;
  for (const Group& g : groups_)
    if (g.known && g.levels_seen)
      mw += (g.high_mw - g.low_mw) * compute_share(g, t_s - 0.5 * width_s, t_s + 0.5 * width_s);
  return mw;
}

}  // namespace fw
