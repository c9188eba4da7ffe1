// What the site needed beyond its import limit, by time of day. A data centre's
// peaks come back at the same hours (cooling in the afternoon, a daily batch job):
// learned over the days, the profile says what energy the next peaks will take and
// how long the present one lasts, so the battery is charged before a peak and
// carries it where a start would cost the permit, and a unit the next peak needs
// is held through the dip between them rather than stopped and started again.
#pragma once

#include <array>

namespace fw {

class DailyProfile {
 public:
  static constexpr int kSlots = 96;      // of 15 minutes
  static constexpr double kSlotS = 900;  // seconds

  // Each scan: the sustained need beyond the import limit, MW (0 when none).
  void record(double clock_s, double dt_s, double need_mw);
  // A whole day seen: every slot has a learned value.
  bool known() const { return slots_seen_ == kSlots; }
  // The learned need at clock_s (0 where none was seen).
  double need_mw(double clock_s) const;
  // Energy of the learned need beyond covered_mw over [clock_s, clock_s + horizon_s].
  double energy_above_mwh(double clock_s, double horizon_s, double covered_mw) const;
  // The peak under way or next to come within horizon_s, beyond covered_mw: from
  // the first slot whose need passes covered_mw to the first after it that does not.
  struct Peak {
    double energy_mwh = 0;  // beyond covered_mw
    double max_mw = 0;      // the most beyond covered_mw
  };
  Peak next_peak(double clock_s, double horizon_s, double covered_mw) const;

 private:
  static int slot_of(double clock_s);
  void fold(int slot, double mean_mw);

  std::array<double, kSlots> learned_mw_{};
  std::array<bool, kSlots> seen_{};
  int slots_seen_ = 0;
  int slot_ = -1;  // the slot being observed
  double sum_mw_s_ = 0, observed_s_ = 0;
};

}  // namespace fw
