#include "hal/quality.hpp"

#include <algorithm>
#include <cmath>

namespace hal {

namespace {
constexpr double kMargin = 1.5;  // measurement noise and transients above ratings
}

SignalLimits::SignalLimits(const site::Site& site)
    : site_mw(kMargin * (site.it_compute_mw() *
                             (1 + site.facility.conversion_loss_pu + site.facility.cooling_pu) +
                         site.facility.fixed_mw + site.turbine_capacity_mw() +
                         (site.has_battery ? site.battery.power_mw : 0.0)) +
              10.0),
      frequency_max_hz(site.grid.nominal_frequency_hz * 1.2),
      turbine_mw_max(0),
      pod_mw_max(0),
      battery_mw_max(site.has_battery ? kMargin * site.battery.power_mw : 0.0) {
  for (const site::TurbineGroup& g : site.turbine_groups)
    turbine_mw_max = std::max(turbine_mw_max, kMargin * g.rating_mw);
  for (const site::PodGroup& g : site.pod_groups)
    pod_mw_max = std::max(pod_mw_max, kMargin * g.gpus_per_pod * g.compute_w_per_gpu * 1e-6);
}

Quality grade(bool answered, double stamp_s, double now_s, double stale_after_s, double value,
              double lo, double hi) {
  if (!answered) return Quality::kCommsLost;
  if (!std::isfinite(value) || value < lo || value > hi) return Quality::kOutOfRange;
  if (now_s - stamp_s > stale_after_s) return Quality::kStale;
  return Quality::kGood;
}

}  // namespace hal
