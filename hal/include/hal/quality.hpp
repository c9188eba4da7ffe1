// How a backend grades one reading: the same rules for every backend.
#pragma once

#include "hal/process_image.hpp"

namespace hal {

// Plausible ranges of the site's signals, from its ratings: a value outside is
// marked out of range, never clamped.
struct SignalLimits {
  explicit SignalLimits(const site::Site& site);
  double site_mw;  // largest power any site-level signal can show
  double frequency_max_hz;
  double turbine_mw_max;  // largest unit rating, with margin
  double pod_mw_max;      // largest pod compute power, with margin
  double battery_mw_max;
};

// `answered`: the device replied to this read. `stamp_s`: when it produced the value.
Quality grade(bool answered, double stamp_s, double now_s, double stale_after_s, double value,
              double lo, double hi);

inline void set_signal(Signal& s, double value, double stamp_s, Quality q) {
  // A reading that did not arrive keeps the last value, so a reader can still see it.
  if (q != Quality::kCommsLost) {
    s.value = value;
    s.stamp_s = stamp_s;
  }
  s.quality = q;
}

}  // namespace hal
