#include "daily_profile.hpp"

#include <algorithm>
#include <cmath>

namespace fw {

namespace {
constexpr double kDayS = DailyProfile::kSlots * DailyProfile::kSlotS;
// A slot's new day replaces a lower learned value at once (a larger peak is
// prepared for from the next day on) and lowers a higher one by this share (one
// quiet day does not forget a daily peak).
constexpr double kForgetPu = 0.3;
constexpr double kHalfSlotS = 0.5 * DailyProfile::kSlotS;  // seen this long, a slot counts
}  // namespace

int DailyProfile::slot_of(double clock_s) {
  const double in_day = clock_s - std::floor(clock_s / kDayS) * kDayS;
  return std::clamp(static_cast<int>(in_day / kSlotS), 0, kSlots - 1);
}

void DailyProfile::fold(int slot, double mean_mw) {
  const auto i = static_cast<size_t>(slot);
  double& learned = learned_mw_[i];
  if (!seen_[i]) {
    seen_[i] = true;
    ++slots_seen_;
    learned = mean_mw;
  } else {
    learned = mean_mw >= learned ? mean_mw : learned + kForgetPu * (mean_mw - learned);
  }
}

void DailyProfile::record(double clock_s, double dt_s, double need_mw) {
  const int slot = slot_of(clock_s);
  if (slot != slot_) {
    if (slot_ >= 0 && observed_s_ >= kHalfSlotS) fold(slot_, sum_mw_s_ / observed_s_);
    slot_ = slot;
    sum_mw_s_ = observed_s_ = 0;
  }
  sum_mw_s_ += std::max(0.0, need_mw) * dt_s;
  observed_s_ += dt_s;
}

double DailyProfile::need_mw(double clock_s) const {
  return learned_mw_[static_cast<size_t>(slot_of(clock_s))];
}

double DailyProfile::energy_above_mwh(double clock_s, double horizon_s, double covered_mw) const {
  double mwh = 0;
  for (double t = 0; t < horizon_s; t += kSlotS) {
    const double width_s = std::min(kSlotS, horizon_s - t);
    mwh += std::max(0.0, need_mw(clock_s + t) - covered_mw) * width_s / 3600.0;
  }
  return mwh;
}

DailyProfile::Peak DailyProfile::next_peak(double clock_s, double horizon_s,
                                           double covered_mw) const {
  Peak peak;
  for (double t = 0; t < horizon_s; t += kSlotS) {
    const double beyond_mw = need_mw(clock_s + t) - covered_mw;
    if (beyond_mw > 0) {
      peak.energy_mwh += beyond_mw * std::min(kSlotS, horizon_s - t) / 3600.0;
      peak.max_mw = std::max(peak.max_mw, beyond_mw);
    } else if (peak.max_mw > 0) {
      break;
    }
  }
  return peak;
}

}  // namespace fw
