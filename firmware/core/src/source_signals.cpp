// Our sources' meters, doubted: the battery's power and each unit's output against
// what they were told to do and the power balance (import + our sources = facility).
// The battery answers its setpoint with its response lag, and an online unit on
// the grid follows its setpoint at its ramp rate: each has an expected output.
// When the balance breaks and one source's expected output, in place of its
// reading, makes it add up again, that meter is the one bad signal (the two POI
// meters are judged in estimator.cpp by which of them stepped alone). The
// balance solved for that source stands in at once; it is distrusted (said,
// alarmed) once blamed for 2 s, and trusted again after 30 s of agreement.
#include <algorithm>
#include <cmath>

#include "controller_impl.hpp"

namespace fw {

namespace {
// While every meter agrees, the expected outputs are drawn towards the readings at
// this share a scan: a model's drift never accumulates, and a meter that lies (the
// balance then breaks) no longer draws them.
constexpr double kExpectedPullPu = 0.01;
// A state of charge this far from what the energy counted gives is in doubt; the
// Modbus register's step (docs/register-maps.md); and the share of each change
// of a believed reading by which the count is corrected.
constexpr double kSocDoubtPu = 0.01;
constexpr double kSocResolutionPu = 0.0001;
constexpr double kSocCorrectPu = 0.2;
}  // namespace

void Controller::Impl::validate_source_meters(const hal::ProcessImage& img) {
  const hal::PoiInputs& poi = img.poi;
  const bool judged = est.connected && poi.import_mw.good() && poi.facility_load_mw.good();
  const double residual_mw =
      judged ? poi.import_mw.value + est.turbine_mw + est.battery_mw - poi.facility_load_mw.value
             : 0;
  const bool agree = judged && std::fabs(residual_mw) <= cfg.meter_tolerance_mw;
  advance_expected_outputs(img);
  source_blame = judged && !agree ? source_explaining(residual_mw) : kNoSource;
  const int silent = judged ? only_silent_source() : kNoSource;
  if (silent != kNoSource) source_blame = silent;  // its last reading is stale
  if (agree || source_blame != kNoSource) pull_expected_outputs();
  const bool was = source_doubt.active;
  source_doubt.update(source_blame != kNoSource && silent == kNoSource, now);
  if (source_doubt.active && !was) {
    if (source_blame == kBatterySource)
      note("battery power meter distrusted: reads %.1f MW, the balance %.1f MW", est.battery_mw,
           est.battery_mw - residual_mw);
    else
      note("unit %.0f: power meter distrusted: setpoint and balance give %.1f MW", source_blame,
           units[static_cast<size_t>(source_blame)].power_mw - residual_mw);
  }
  if (!source_doubt.active && was) note("our sources' meters agree with the balance again");
  stand_in_for_source(residual_mw);
}

// The one source whose reading is lost while the others report: the balance gives
// it (its comms alarm says it is lost; its last reading is not kept as if true).
int Controller::Impl::only_silent_source() const {
  int found = kNoSource, count = 0;
  if (site.has_battery && !est.battery_ok) {
    found = kBatterySource;
    ++count;
  }
  for (size_t u = 0; u < units.size(); ++u) {
    if (!units[u].power_reading_ok) {
      found = static_cast<int>(u);
      ++count;
    }
  }
  return count == 1 ? found : kNoSource;
}

// The one source whose expected output explains the balance's break, or none (no
// source, or more than one: then it cannot be told which).
int Controller::Impl::source_explaining(double residual_mw) const {
  const double tol = cfg.meter_tolerance_mw;
  const auto explains = [&](const SourceExpectation& e, double reading_mw) {
    return e.valid && std::fabs(reading_mw - e.expected_mw) > tol &&
           std::fabs(residual_mw - reading_mw + e.expected_mw) <= tol;
  };
  int found = kNoSource, count = 0;
  if (explains(battery_expected, est.battery_mw)) {
    found = kBatterySource;
    ++count;
  }
  for (size_t u = 0; u < units.size(); ++u) {
    if (explains(units[u].expected, units[u].power_mw)) {
      found = static_cast<int>(u);
      ++count;
    }
  }
  return count == 1 ? found : kNoSource;
}

// The battery's output after last scan's setpoint, through its response lag; each
// unit's by its state (advance_expected_unit). Only where this controller commanded
// the battery last scan; otherwise its reading is all there is.
void Controller::Impl::advance_expected_outputs(const hal::ProcessImage& img) {
  const double tau = site.battery.response_time_constant_s;
  const double a = tau > 0 ? std::exp(-dt / tau) : 0.0;
  SourceExpectation& b = battery_expected;
  b.remember(est.battery_mw);
  if (est.battery_ok && est.connected && battery_commanded) {
    if (!b.valid) b.expected_mw = est.battery_mw;
    b.expected_mw = a * b.expected_mw + (1 - a) * battery_setpoint_sent_mw;
    b.valid = true;
  } else {
    b.valid = false;
  }
  for (size_t u = 0; u < units.size(); ++u)
    advance_expected_unit(img.turbines[u], units[u]);
}

// With the balance closed (by the readings, or with the blamed one's stand-in), the
// expected outputs of the sources believed are drawn towards their readings; not a
// reading that stood still while its expectation moved (a frozen meter's break of
// the balance grows slowly, and would draw its expectation with it).
void Controller::Impl::pull_expected_outputs() {
  const auto pull = [](SourceExpectation& e, double reading_mw) {
    const bool stale = reading_mw == e.last_reading_mw && e.expected_mw != e.last_expected_mw;
    if (!stale) e.expected_mw += (reading_mw - e.expected_mw) * kExpectedPullPu;
  };
  if (battery_expected.valid && source_blame != kBatterySource)
    pull(battery_expected, est.battery_mw);
  for (size_t u = 0; u < units.size(); ++u)
    if (units[u].expected.valid && source_blame != static_cast<int>(u))
      pull(units[u].expected, units[u].power_mw);
}

// A unit that is off, cooling, tripped or still starting makes nothing; one online
// follows its setpoint, and one stopping unloads, at its ramp rate. One loading to
// its minimum stable load, or found in a state it cannot have, has no expectation.
void Controller::Impl::advance_expected_unit(const hal::TurbineInputs& t, UnitView& v) {
  using S = hal::TurbineStatus;
  const bool idle = v.status == S::kOff || v.status == S::kCooldown || v.status == S::kTripped ||
                    v.status == S::kStarting;
  const bool online = v.status == S::kOnline && t.setpoint_mw.good();
  v.expected.remember(v.power_mw);
  if (!est.connected || !v.comms_ok || !(idle || online || v.status == S::kStopping)) {
    v.expected.valid = false;
    return;
  }
  SourceExpectation& e = v.expected;
  if (!e.valid) e.expected_mw = v.power_mw;
  const double target_mw = online ? t.setpoint_mw.value : 0.0;
  const double step = v.ramp_mw_per_s * dt;
  e.expected_mw = idle ? 0.0 : e.expected_mw + std::clamp(target_mw - e.expected_mw, -step, step);
  e.valid = true;
}

// The balance solved for the blamed source replaces its reading.
void Controller::Impl::stand_in_for_source(double residual_mw) {
  if (source_blame == kBatterySource) {
    est.battery_mw -= residual_mw;
  } else if (source_blame != kNoSource) {
    units[static_cast<size_t>(source_blame)].power_mw -= residual_mw;
    est.turbine_mw -= residual_mw;
  }
}

// The battery's state of charge against the energy its power moved. The reading
// cannot step further in a scan than the battery's rating moves it (a step beyond,
// to a stuck value, is blamed at once), nor stand still while the energy it
// delivered moves the charge by kSocDoubtPu (frozen). Blamed, the charge counted
// from its power stands in until the reading comes back within kSocDoubtPu of it,
// or until it has moved by kSocDoubtPu with the energy since its step: a battery
// management system that recalibrates steps its reading once and then counts on,
// where a stuck reading stands still. Believed, each change of the reading
// corrects the count's drift (losses, the battery's own metering). Distrusted
// (said, alarmed) once blamed for 2 s.
void Controller::Impl::validate_soc(const hal::BatteryInputs& b) {
  SocWitness& w = soc_witness;
  if (!site.has_battery || site.battery.energy_mwh <= 0) return;
  count_soc();
  if (!b.soc_pu.good()) return;
  const double reading = b.soc_pu.value;
  if (!w.valid) {
    w = SocWitness{};
    w.valid = true;
    w.count_pu = w.last_reading_pu = w.count_at_change_pu = reading;
    return;
  }
  const double one_way = std::sqrt(site.battery.round_trip_efficiency_pu);
  const double most_step =
      site.battery.power_mw / one_way * dt / (3600 * site.battery.energy_mwh) + kSocResolutionPu;
  const bool changed = reading != w.last_reading_pu;
  const bool jumped = std::fabs(reading - w.last_reading_pu) > most_step;
  if (changed) w.count_at_change_pu = w.count_pu;
  const bool frozen = !changed && std::fabs(w.count_pu - w.count_at_change_pu) > kSocDoubtPu;
  if (jumped || frozen) {
    w.blamed = true;
    w.reading_at_blame_pu = reading;
    w.count_at_blame_pu = w.count_pu;
  }
  const bool recalibrated = w.blamed && !jumped && soc_moves_with_energy(reading);
  if (recalibrated) {
    note("battery state of charge trusted again: recalibrated by %.3f",
         w.reading_at_blame_pu - w.count_at_blame_pu);
    w.count_pu = reading;
  }
  if (std::fabs(reading - w.count_pu) <= kSocDoubtPu && !jumped) w.blamed = false;
  if (changed && !w.blamed) w.count_pu += (reading - w.count_pu) * kSocCorrectPu;
  w.last_reading_pu = reading;
  const bool was = soc_doubt.active;
  soc_doubt.update(w.blamed, now);
  if (recalibrated) soc_doubt.active = false;  // said already
  if (soc_doubt.active && !was)
    note("battery state of charge distrusted: reads %.3f, its energy gives %.3f", reading,
         w.count_pu);
  if (!soc_doubt.active && was && !recalibrated)
    note("battery state of charge agrees with its energy again");
  if (w.blamed) est.soc_pu = std::clamp(w.count_pu, 0.0, 1.0);
}

// What the cells gave (discharging) or took this scan, counted on the charge.
void Controller::Impl::count_soc() {
  SocWitness& w = soc_witness;
  if (!w.valid) return;
  const double one_way = std::sqrt(site.battery.round_trip_efficiency_pu);
  const double cells_mw = est.battery_mw > 0 ? est.battery_mw / one_way : est.battery_mw * one_way;
  w.count_pu -= cells_mw * dt / (3600 * site.battery.energy_mwh);
}

// Since its step, the reading has moved by kSocDoubtPu, as the count has, within
// half of that.
bool Controller::Impl::soc_moves_with_energy(double reading_pu) const {
  const SocWitness& w = soc_witness;
  const double moved = reading_pu - w.reading_at_blame_pu;
  const double counted = w.count_pu - w.count_at_blame_pu;
  return std::fabs(moved) >= kSocDoubtPu && std::fabs(moved - counted) <= 0.5 * kSocDoubtPu;
}

}  // namespace fw
