// The [controller] section: every key optional, defaults in site.hpp.
#include <algorithm>
#include <functional>

#include "sections.hpp"

namespace site {

const char* to_string(ControllerKind k) {
  return k == ControllerKind::kBaseline ? "baseline" : "plant";
}

const char* to_string(UflsWhenConnected u) {
  return u == UflsWhenConnected::kRideThrough ? "ride_through" : "shed";
}

void read_controller(TomlReader& root, ControllerSettings& c) {
  auto t = root.table("controller");
  if (!t) return;
  static const Choices<ControllerKind> kinds = {{"plant", ControllerKind::kPlant},
                                                {"baseline", ControllerKind::kBaseline}};
  t->choice("kind", c.kind, kinds);
  t->number("scan_period_s", c.scan_period_s,
            Range::closed(0.01, 1).because("scans run every 10 ms to 1 s"));
  t->number("import_margin_mw", c.import_margin_mw, Range::at_least(0));
  t->number("add_on_delay_s", c.add_on_delay_s, Range::closed(0, 3600));
  t->number("add_off_delay_s", c.add_off_delay_s, Range::closed(0, 86400));
  t->number("min_run_s", c.min_run_s, Range::closed(0, 86400));
  t->number("min_off_s", c.min_off_s, Range::closed(0, 86400));
  t->number("stop_hysteresis_pu", c.stop_hysteresis_pu, Range::closed(0, 2));
  t->number("island_reserve_pu", c.island_reserve_pu, Range::closed(0, 1));
  t->number("resync_stable_s", c.resync_stable_s, Range::closed(0, 3600));
  t->number("resync_timeout_s", c.resync_timeout_s, Range::closed(10, 86400));
  t->number("island_expected_outage_s", c.island_expected_outage_s, Range::closed(60, 30 * 86400));
  t->number("restore_delay_s", c.restore_delay_s, Range::closed(0, 3600));
  t->number("restore_step_pu", c.restore_step_pu, Range::left_open(0, 1));
  t->number("restore_interval_s", c.restore_interval_s, Range::left_open(0, 3600));
  if (t->numbers("ufls_stages_hz", c.ufls_stages_hz, Range::open(40, 70)) &&
      !std::is_sorted(c.ufls_stages_hz.begin(), c.ufls_stages_hz.end(), std::greater<double>()))
    t->error("ufls_stages_hz", "stages must be listed from the highest frequency down");
  if (c.ufls_stages_hz.size() > 8) t->error("ufls_stages_hz", "at most 8 stages");
  static const Choices<UflsWhenConnected> when = {
      {"shed", UflsWhenConnected::kShed}, {"ride_through", UflsWhenConnected::kRideThrough}};
  t->choice("ufls_when_connected", c.ufls_when_connected, when);
  t->number("ufls_stage_pu", c.ufls_stage_pu, Range::left_open(0, 0.5));
  t->number("ufls_delay_s", c.ufls_delay_s, Range::closed(0, 10));
  t->number("battery_frequency_droop_pu", c.battery_frequency_droop_pu, Range::left_open(0, 0.2));
  t->number("battery_reserve_pu", c.battery_reserve_pu, Range::closed(0, 1));
  t->number("smoothing_floor_pu", c.smoothing_floor_pu, Range::closed(0, 1));
  t->number("meter_tolerance_mw", c.meter_tolerance_mw, Range::above(0));
  t->number("frozen_meter_s", c.frozen_meter_s, Range::above(0));
  t->number("critical_lost_s", c.critical_lost_s, Range::closed(0, 60));
  t->number("adopt_wait_s", c.adopt_wait_s, Range::closed(0, 600));
  t->number("start_pace_credit_days", c.start_pace_credit_days, Range::closed(0, 365));
  t->finish();
}

}  // namespace site
