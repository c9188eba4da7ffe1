// The common scan: estimate, adopt, track units, supervise, contingencies,
// frequency stages, restoration; then the policy's dispatch and battery; then caps.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "controller_impl.hpp"
#include "site/turbine_fuel.hpp"

namespace fw {

namespace {
constexpr double kFrequencyNormalHz = 0.1;     // |f - f0| of the mean within this is normal
constexpr double kFrequencyExcursionHz = 0.5;  // and the frequency itself within this
constexpr double kFrequencyMeanS = 5;
constexpr double kRecoveredS = 10;           // normal this long ends an emergency
constexpr double kStartAckS = 5;             // a unit that has not left Off by then failed
constexpr double kBusLiveBeforeResetS = 30;  // a bus trip is reset once the bus holds this long
constexpr double kBusTripResetIntervalS = 3600;
// The turbine map's trip_cause codes (docs/register-maps.md) that the bus causes.
constexpr int kTripUnderfrequency = 3, kTripOverfrequency = 5, kTripUndervoltage = 6,
              kTripDeadBus = 7;
}  // namespace

double full_fuel_nox_kg_per_h(const site::Site& site) {
  double kg = 0;
  for (const site::TurbineGroup& g : site.turbine_groups)
    kg +=
        g.count * site::full_load_fuel_mmbtu_per_h(g) * site::nox_kg_per_mmbtu_from_ppm(g.nox_ppm);
  return kg;
}

Controller::Impl::Impl(const site::Site& s, const PermitUsage& usage)
    : site(s),
      cfg(site.controller),
      log(4096),
      alarms(s.alarms),
      supervisor(log),
      shed(site),
      swing(site),
      permit(usage) {
  int u = 0;
  for (const site::TurbineGroup& g : site.turbine_groups) {
    for (int k = 0; k < g.count; ++k, ++u) {
      machines.emplace_back(log, u);
      UnitView v;
      v.rating_mw = g.rating_mw;
      v.msl_mw = g.min_stable_load_pu * g.rating_mw;
      v.ramp_mw_per_s = g.ramp_rate_pu_per_min * g.rating_mw / 60.0;
      v.droop_pu = g.droop_pu;
      v.start_to_msl_s = g.purge_s + g.ignition_s + g.acceleration_s + g.synchronisation_s +
                         g.min_stable_load_pu / g.ramp_rate_pu_per_min * 60.0;
      v.group = &g;
      v.fuel_mmbtu_per_h_full = site::full_load_fuel_mmbtu_per_h(g);
      v.nox_kg_per_mmbtu = site::nox_kg_per_mmbtu_from_ppm(g.nox_ppm);
      units.push_back(v);
    }
  }
  permit.starts.resize(units.size(), 0);
  permit.stops.resize(units.size(), 0);
  permit.run_hours.resize(units.size(), 0.0);
  unit_was_online.assign(units.size(), 0);
  island_supplies.reserve(units.size());
  bus_hz_mean = site.grid.nominal_frequency_hz;
  contingency_mw.assign(units.size() + 1, 0.0);
  it_compute_mw = site.it_compute_mw();
  site_full_mw = it_compute_mw * (1 + site.facility.conversion_loss_pu + site.facility.cooling_pu) +
                 site.facility.fixed_mw;
  overhead_pu = site.facility.conversion_loss_pu;
}

void Controller::Impl::note(const char* fmt, double a, double b) {
  char text[72];
  std::snprintf(text, sizeof text, fmt, a, b);
  log.note(now, -1, text);
}

bool Controller::Impl::automatic() const {
  const Mode m = supervisor.mode();
  return m != Mode::kManual && m != Mode::kFailSafe;
}

double Controller::Impl::online_rating_mw() const {
  double mw = 0;
  for (size_t u = 0; u < units.size(); ++u)
    if (machines[u].state() == UnitState::kOnline) mw += units[u].rating_mw;
  return mw;
}

double Controller::Impl::online_headroom_mw() const {
  double mw = 0;
  for (size_t u = 0; u < units.size(); ++u)
    if (machines[u].state() == UnitState::kOnline)
      mw += std::max(0.0, units[u].rating_mw - units[u].mechanical_mw);
  return mw;
}

double Controller::Impl::battery_discharge_headroom_mw() const {
  if (!site.has_battery || !est.battery_ok) return 0;
  if (est.soc_pu <= site.battery.soc_min_pu + 0.02) return 0;
  return std::max(0.0, site.battery.power_mw - est.battery_mw);
}

// Islanded with the bus dead: a blackout (a dead bus reads 0 Hz).
bool Controller::Impl::bus_dead() const {
  return est.poi_ok && !est.connected && est.bus_hz_ok &&
         est.bus_hz < 0.5 * site.grid.nominal_frequency_hz;
}

// --- adoption: the plant as found ---------------------------------------------

// Missing data is never read as a state of the plant: the mode is adopted only
// from good POI breaker and grid readings, and only once every unit's status is
// good, or adopt_wait_s has passed with the POI good (a unit still silent then is
// adopted locked out: never started nor stopped until the operator resets it).
bool Controller::Impl::try_adopt(const hal::ProcessImage& img, hal::Commands& out) {
  bool units_known = true;
  for (const UnitView& v : units)
    units_known &= v.comms_ok;
  if (!est.poi_ok) held_since_s = -1;  // the wait for the units runs with the POI good
  if (est.poi_ok && held_since_s < 0) held_since_s = now;
  const bool waited = held_since_s >= 0 && now - held_since_s >= cfg.adopt_wait_s;
  if (!est.poi_ok || (!units_known && !waited)) {
    if (!holding_noted) {
      holding_noted = true;
      log.note(now, -1,
               !est.poi_ok ? "plant not known (no good POI breaker reading): holding"
                           : "plant not known (a turbine without a good status): holding");
    }
    return false;
  }
  adopt(img, out);
  held_since_s = -1;
  holding_noted = false;
  return true;
}

void Controller::Impl::adopt(const hal::ProcessImage& img, hal::Commands& out) {
  for (size_t u = 0; u < units.size(); ++u) {
    const int unit = static_cast<int>(u);
    if (!units[u].comms_ok) {
      machines[u].process(UnitEvent::kAdoptLockout, now, "not answering when adopted");
      out.turbines[u].setpoint_mw = 0;
      continue;
    }
    switch (units[u].status) {
      case hal::TurbineStatus::kOnline:
      case hal::TurbineStatus::kLoading:
        machines[u].process(UnitEvent::kAdoptOnline, now, "found running");
        unit_was_online[u] = 1;
        units[u].started_at_s = now - cfg.min_run_s;  // unknown: do not hold it on for min run
        break;
      case hal::TurbineStatus::kStarting:
        machines[u].process(UnitEvent::kAdoptStarting, now, "found starting");
        units[u].started_at_s = now;
        units[u].fuel_from_s = now;
        break;
      case hal::TurbineStatus::kStopping:
      case hal::TurbineStatus::kCooldown:
        machines[u].process(UnitEvent::kAdoptCooling, now, "found stopping");
        units[u].stopped_at_s = now;
        break;
      case hal::TurbineStatus::kTripped:
        machines[u].process(UnitEvent::kAdoptLockout, now, "found tripped");
        break;
      case hal::TurbineStatus::kOff:
        break;
    }
    // Running units keep their setpoints.
    const hal::Signal& sp = img.turbines[u].setpoint_mw;
    out.turbines[u].setpoint_mw = sp.good() ? sp.value : 0.0;
    (void)unit;
  }
  shed.adopt(img);
  for (int p = 0; p < shed.size(); ++p)
    out.pods[static_cast<size_t>(p)].cap_mw = shed.cap_mw(p);
  out.battery_setpoint_mw = est.battery_ok ? est.battery_mw : 0.0;
  import_target_mw = raw_mean_mw = raw_fast_mean_mw = raw_peak_mw = est.import_mw + est.battery_mw;
  load_mean_mw = load_peak_mw = est.load_mw;
  was_connected = est.connected;
  supervisor.process(
      est.connected ? SupervisorEvent::kAdoptGridParallel : SupervisorEvent::kAdoptIslanded, now,
      est.connected ? "grid breaker found closed" : "grid breaker found open");
  adopted = true;
}

// --- turbine machines follow the units ------------------------------------------

void Controller::Impl::track_units() {
  int online = 0, starting = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitView& v = units[u];
    TurbineMachine& m = machines[u];
    if (!v.comms_ok) continue;  // no news is not a state change
    const hal::TurbineStatus s = v.status;
    switch (m.state()) {
      case UnitState::kStarting:
        // Loading, its breaker is closed and it delivers power: its capacity counts
        // (as at adoption). Waiting for "online" deadlocks an island whose load is
        // too small to take every unit to minimum stable load.
        if (s == hal::TurbineStatus::kOnline)
          m.process(UnitEvent::kRunning, now, "unit reports online");
        else if (s == hal::TurbineStatus::kLoading)
          m.process(UnitEvent::kRunning, now, "unit synchronised and loading");
        else if (s == hal::TurbineStatus::kTripped)
          m.process(UnitEvent::kStartFailed, now, "unit tripped while starting");
        else if (s == hal::TurbineStatus::kOff && now - v.started_at_s > kStartAckS)
          m.process(UnitEvent::kStartFailed, now, "unit did not acknowledge the start");
        break;
      case UnitState::kOnline:
        if (s == hal::TurbineStatus::kTripped)
          m.process(UnitEvent::kTrip, now, "unit reports tripped");
        break;
      case UnitState::kCooling:
        // Just reset, it reports tripped until the reset has reached it.
        if (s == hal::TurbineStatus::kTripped && now - v.reset_at_s > kStartAckS)
          m.process(UnitEvent::kTrip, now, "unit tripped while stopping");
        else if (s == hal::TurbineStatus::kOff)
          m.process(UnitEvent::kStopped, now, "unit reports off");
        break;
      case UnitState::kLockout:
      case UnitState::kOff:
        break;
    }
    if (m.state() == UnitState::kOnline) ++online;
    if (m.state() == UnitState::kStarting) ++starting;
  }
  status.units_online = online;
  status.units_starting = starting;
}

// A unit its own protection tripped because the bus failed (under- or
// over-frequency, undervoltage, a start cut off by a dead bus) has no fault of its
// own: once the bus has been live for a while it is reset, at most once an hour,
// so that a blackout does not lock out every unit. A unit that trips again within
// the hour, or for a cause of its own (over-speed, a failed start), waits for the
// operator.
void Controller::Impl::reset_bus_trips(hal::Commands& out) {
  const double f0 = site.grid.nominal_frequency_hz;
  const bool live =
      est.poi_ok &&
      (est.connected || (!bus_dead() && est.bus_hz_ok && std::fabs(est.bus_hz - f0) < 0.5));
  if (!live) {
    bus_live_since_s = -1;
    return;
  }
  if (bus_live_since_s < 0) bus_live_since_s = now;
  if (now - bus_live_since_s < kBusLiveBeforeResetS) return;
  for (size_t u = 0; u < units.size(); ++u) {
    UnitView& v = units[u];
    const bool bus_cause = v.trip_cause == kTripUnderfrequency ||
                           v.trip_cause == kTripOverfrequency ||
                           v.trip_cause == kTripUndervoltage || v.trip_cause == kTripDeadBus;
    if (machines[u].state() != UnitState::kLockout || !v.comms_ok ||
        v.status != hal::TurbineStatus::kTripped || !bus_cause ||
        now - v.reset_at_s < kBusTripResetIntervalS)
      continue;
    out.turbines[u].command = hal::TurbineCommand::kReset;
    machines[u].process(UnitEvent::kReset, now, "tripped by the bus, not by its own fault");
    v.reset_at_s = now;
  }
}

// --- supervisor events from conditions ----------------------------------------------

void Controller::Impl::supervise(const OperatorInputs& op) {
  if (op.manual_request) supervisor.process(SupervisorEvent::kManualRequest, now, "operator");
  if (op.auto_request) supervisor.process(SupervisorEvent::kAutoRequest, now, "operator");
  if (op.auto_request && resync_gave_up) {
    resync_gave_up = false;  // the operator re-arms a resynchronisation that ended
    resync_since_s = -1;
    log.note(now, -1, "resynchronisation re-armed by the operator");
  }

  // Critical measurements: breaker and grid state, and a frequency or import to act on.
  const bool critical_ok = est.poi_ok && (est.connected ? est.import_ok : est.bus_hz_ok);
  if (critical_ok) {
    critical_bad_since_s = -1;
    if (critical_good_since_s < 0) critical_good_since_s = now;
  } else {
    critical_good_since_s = -1;
    if (critical_bad_since_s < 0) critical_bad_since_s = now;
  }
  if (!failsafe && critical_bad_since_s >= 0 && now - critical_bad_since_s >= cfg.critical_lost_s) {
    failsafe = true;
    supervisor.process(SupervisorEvent::kCriticalLost, now, "POI or frequency measurements lost");
  }
  if (failsafe && critical_good_since_s >= 0 && now - critical_good_since_s >= 5.0) {
    failsafe = false;
    if (supervisor.process(SupervisorEvent::kCriticalRestored, now, "measurements back for 5 s")) {
      adopted = false;  // re-adopt the plant as found
      held_since_s = -1;
    }
  }
  if (supervisor.mode() == Mode::kInit) adopted = false;
  if (!est.poi_ok) return;

  if (was_connected && !est.connected)
    supervisor.process(SupervisorEvent::kGridLost, now, "grid breaker open or grid dead");

  // A dead bus ends the emergency: there is no frequency left to hold, and the way
  // back (black start or a dead-bus close onto the grid) starts from Islanded.
  if (supervisor.mode() == Mode::kEmergencyShed && bus_dead())
    supervisor.process(SupervisorEvent::kShedRecoveredIsland, now, "site bus dead");
  const Mode mode = supervisor.mode();
  if (mode == Mode::kEmergencyShed && frequency_normal_since_s >= 0 &&
      now - std::max(frequency_normal_since_s, emergency_since_s) >= kRecoveredS) {
    supervisor.process(
        est.connected ? SupervisorEvent::kShedRecoveredGrid : SupervisorEvent::kShedRecoveredIsland,
        now, "frequency normal for 10 s");
  }
  if (mode == Mode::kGridParallel && (status.units_online + status.units_starting) > 0)
    supervisor.process(SupervisorEvent::kImportHigh, now, "turbines carry part of the site");
  if (mode == Mode::kTurbineAssist && est.connected &&
      status.units_online + status.units_starting == 0)
    supervisor.process(SupervisorEvent::kImportNormal, now, "grid carries the whole site");
  if (mode == Mode::kResynchronising && est.connected)
    supervisor.process(SupervisorEvent::kBreakerClosed, now, "grid breaker closed");
}

// --- contingencies: act in the scan they are seen --------------------------------------

void Controller::Impl::detect_contingencies() {
  // Normal on its 5 s mean, and no excursion: an island's training swings move the
  // frequency itself by more than the band, every period, for as long as they last.
  const double f0 = site.grid.nominal_frequency_hz;
  if (est.bus_hz_ok && est.bus_hz > 0.5 * f0)
    bus_hz_mean += (est.bus_hz - bus_hz_mean) * std::min(1.0, dt / kFrequencyMeanS);
  const bool bus_normal = est.bus_hz_ok && std::fabs(bus_hz_mean - f0) < kFrequencyNormalHz &&
                          std::fabs(est.bus_hz - f0) < kFrequencyExcursionHz;
  if (bus_normal) {
    if (frequency_normal_since_s < 0) frequency_normal_since_s = now;
  } else {
    frequency_normal_since_s = -1;
  }
  if (!adopted || !est.poi_ok) return;
  double lost_mw = 0, shed_mw = 0;
  const char* what = nullptr;
  if (was_connected && !est.connected) {
    lost_mw = std::max(0.0, prev_import_mw);
    shed_mw = contingency_mw[0];
    what = "grid lost: shedding %.1f MW at once (import was %.1f MW)";
  }
  for (size_t u = 0; u < units.size(); ++u) {
    const bool online = machines[u].state() == UnitState::kOnline;
    if (unit_was_online[u] && machines[u].state() == UnitState::kLockout) {
      lost_mw += units[u].prev_power_mw;  // this scan's reading is already zero
      shed_mw += contingency_mw[1 + u];
      what = "unit lost: shedding %.1f MW at once (unit carried %.1f MW)";
    }
    unit_was_online[u] = online ? 1 : 0;
  }
  // Reconnected, the grid stands behind the site again: a boost left from the loss
  // of the grid is dropped (a later island starts without it).
  if (!was_connected && est.connected) {
    battery_boost_mw = 0;
    reconnected_at_s = now;
  }
  was_connected = est.connected;
  if (!what) return;
  battery_boost_mw = std::max(battery_boost_mw, lost_mw);
  if (site.controller.kind == site::ControllerKind::kPlant) {
    shed_at_least(shed.target_mw() + shed_mw, "contingency");
    note(what, shed_mw, lost_mw);
  }
  supervisor.process(SupervisorEvent::kContingency, now, "credible contingency");
  emergency_since_s = now;
}

}  // namespace fw
