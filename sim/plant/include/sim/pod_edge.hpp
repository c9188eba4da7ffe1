// The shape of a training pod's power edge, in closed form.
//
// Each GPU of a pod ramps linearly from the old power to the new one over rise_s
// (0-100 %), and the GPUs start their ramps at times spread uniformly over spread_s
// (collectives start at slightly different times on each GPU). The pod's power is the
// average of its GPUs', so its edge is a linear ramp convolved with a uniform spread:
// the distribution function of the sum of a U[0, rise_s] and a U[0, spread_s] delay,
// a trapezoidal rate of change (quadratic, linear, quadratic). It lasts rise_s +
// spread_s. Evaluated at the step's time it is exact whatever the step size.
#pragma once

#include <algorithm>

namespace sim {

// Fraction [0, 1] of an edge completed u_s seconds after it began.
inline double pod_edge_fraction(double u_s, double rise_s, double spread_s) {
  const double a = std::min(rise_s, spread_s), b = std::max(rise_s, spread_s);
  if (u_s <= 0) return b > 0 ? 0.0 : 1.0;  // no edge time at all: a step at u = 0
  if (u_s >= a + b) return 1.0;
  if (a <= 0) return u_s / b;  // one of the two is zero: a straight ramp over the other
  if (u_s < a) return u_s * u_s / (2 * a * b);
  if (u_s <= b) return (u_s - 0.5 * a) / b;
  const double rest = a + b - u_s;
  return 1.0 - rest * rest / (2 * a * b);
}

}  // namespace sim
