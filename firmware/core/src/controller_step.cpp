// The public face of the controller and the order of one scan.
#include <algorithm>
#include <cmath>

#include "controller_impl.hpp"
#include "site/permit_pace.hpp"
#include "site/turbine_fuel.hpp"

namespace fw {

namespace {
constexpr double kCapDeadbandPu = 0.005;  // of compute: smaller cap changes are not written
}

Controller::Controller(const site::Site& site, const PermitUsage& usage)
    : impl_(std::make_unique<Impl>(site, usage)) {}
Controller::~Controller() = default;

void Controller::restart(const PermitUsage& usage) {
  PermitUsage carried = usage;
  carried.year_elapsed_s = impl_->permit.year_elapsed_s;  // this node's clock, not the peer's
  auto fresh = std::make_unique<Impl>(impl_->site, carried);
  impl_ = std::move(fresh);
}

const ControllerStatus& Controller::status() const {
  return impl_->status;
}
EventLog& Controller::log() {
  return impl_->log;
}
AlarmManager& Controller::alarms() {
  return impl_->alarms;
}
const AlarmManager& Controller::alarms() const {
  return impl_->alarms;
}
const std::vector<double>& Controller::contingency_shed_mw() const {
  return impl_->contingency_mw;
}
const TurbineMachine& Controller::unit(int u) const {
  return impl_->machines[static_cast<size_t>(u)];
}
const PermitUsage& Controller::usage() const {
  return impl_->permit;
}
int Controller::starts_used(int u) const {
  return impl_->permit.starts[static_cast<size_t>(u)];
}
int Controller::stops_used(int u) const {
  return impl_->permit.stops[static_cast<size_t>(u)];
}

void Controller::step(const hal::ProcessImage& image, const OperatorInputs& op, double now_s,
                      hal::Commands& out) {
  Impl& c = *impl_;
  c.dt = c.now > 0 || c.adopted ? std::max(1e-3, now_s - c.now) : c.cfg.scan_period_s;
  c.now = now_s;
  out.clear_one_shots();
  ++out.heartbeat;
  const double contract_mw = c.site.grid.import_contract_mw;
  c.import_limit_mw =
      op.import_limit_mw > 0 ? std::min(op.import_limit_mw, contract_mw) : contract_mw;
  c.status.import_limit_mw = c.import_limit_mw;

  c.estimate(image);
  c.swing.observe(image, now_s);
  SwingForecast::Outvote outvote;
  while (c.swing.take_new_outvote(outvote))
    c.note("pod %.0f: its iteration phase is %.3f s from its job's: outvoted", outvote.pod,
           outvote.off_s);
  c.shed_at_scan_start_mw = c.shed.target_mw();
  c.supervise(op);
  // Not adopted: the plant is not known, so nothing is commanded (no starts, no
  // stops, no breaker, caps left as found) until it is.
  const bool held = !c.adopted && c.supervisor.mode() == Mode::kInit && !c.try_adopt(image, out);
  c.track_units();
  if (c.adopted && c.automatic()) c.reset_bus_trips(out);
  c.detect_contingencies();
  c.frequency_stages();
  c.resynchronise(out);
  const Mode mode = c.supervisor.mode();
  if (mode == Mode::kFailSafe || held) {
    // Measurements lost: hold the units and the caps as they are; the battery
    // stops, since nothing it could follow is known.
    out.battery_setpoint_mw = 0;
  } else if (mode == Mode::kManual) {
    // The operator commands; the controller's own protection (frequency stages,
    // contingencies) stays armed, its dispatch does not act.
  } else if (c.site.controller.kind == site::ControllerKind::kPlant) {
    c.plant_dispatch(out);
    c.hold_nox_cap(out);
    c.plant_battery(out);
    c.hold_limits(out);
    c.restore();
    c.precompute_contingencies();
  } else {
    c.baseline_dispatch(out);
    c.baseline_battery(out);
    c.baseline_restore();
  }
  // The operator's manual shed level: a floor under the controller's own shed,
  // released through the normal restoration when lowered.
  if (op.manual_shed_mw > c.shed.target_mw())
    c.shed.set_target_mw(std::min(op.manual_shed_mw, c.shed.sheddable_mw()));
  if (c.adopted) c.write_caps(out);  // never adopted: the caps are left as found
  // What the battery was told, for its meter's doubt next scan (not the operator's).
  c.battery_commanded = mode != Mode::kManual && !held;
  c.battery_setpoint_sent_mw = out.battery_setpoint_mw;
  c.account_permit();
  c.evaluate_alarms(op);
  c.end_scan();
}

// Each alarm's condition this scan (fw/alarms.hpp has the catalogue).
void Controller::Impl::evaluate_alarms(const OperatorInputs& op) {
  const double nominal_hz = site.grid.nominal_frequency_hz;
  const Mode mode = supervisor.mode();
  bool unit_tripped = false, unit_lost = false, pod_lost = false;
  for (const UnitView& v : units) {
    unit_tripped |= v.comms_ok && v.status == hal::TurbineStatus::kTripped;
    unit_lost |= !v.comms_ok;
  }
  for (int p = 0; p < shed.size() && !pod_lost; ++p)
    pod_lost = !shed.answers(p);
  const double nox_cap_kg = site.permit.nox_cap_kg();
  auto set = [&](AlarmId id, bool condition) { alarms.set_condition(id, condition, now); };
  set(AlarmId::kFrequencyLow, est.bus_hz_ok && est.bus_hz > 0 && est.bus_hz < nominal_hz - 0.5);
  set(AlarmId::kFrequencyHigh, est.bus_hz_ok && est.bus_hz > nominal_hz + 0.5);
  set(AlarmId::kGridLost, est.poi_ok && !est.connected);
  set(AlarmId::kImportOverLimit, est.connected && est.import_ok && est.import_mw > import_limit_mw);
  set(AlarmId::kEmergencyShed, mode == Mode::kEmergencyShed);
  set(AlarmId::kUnderFrequencyShed, ufls_acted > 0);
  set(AlarmId::kFailSafe, mode == Mode::kFailSafe);
  set(AlarmId::kUnitTripped, unit_tripped);
  set(AlarmId::kUnitCommsLost, unit_lost);
  set(AlarmId::kPoiCommsLost, !est.poi_ok);
  set(AlarmId::kMeterSuspect, est.meter_suspect);
  set(AlarmId::kPodCommsLost, pod_lost);
  set(AlarmId::kBatteryCommsLost, site.has_battery && !est.battery_ok);
  set(AlarmId::kBatteryLow,
      site.has_battery && est.battery_ok && est.soc_pu < cfg.battery_reserve_pu);
  set(AlarmId::kStartBlockedByPermit, status.start_blocked_by_permit);
  set(AlarmId::kNoxNearCap, nox_cap_kg > 0 && permit.nox_kg >= 0.9 * nox_cap_kg);
  set(AlarmId::kManualMode, mode == Mode::kManual);
  set(AlarmId::kManualShed, op.manual_shed_mw > 0);
  set(AlarmId::kScanOverrun, op.scan_overrun);
  set(AlarmId::kStateNotKept, op.state_not_kept);
  set(AlarmId::kPeerSiteMismatch, op.peer_site_mismatch);
  set(AlarmId::kEventJournalFailed, op.event_journal_failed);
  set(AlarmId::kSiteDark, bus_dead());
  set(AlarmId::kResyncFailed, resync_gave_up);
  set(AlarmId::kSignalDistrusted, facility_doubt.active || breaker_distrusted ||
                                      breaker_closed_distrusted || grid_lost_distrusted ||
                                      frequency_doubt.active || source_doubt.active ||
                                      soc_doubt.active);
  alarms.update(now);
}

void Controller::Impl::write_caps(hal::Commands& out) {
  shed.allocate();
  for (int p = 0; p < shed.size(); ++p) {
    double& written = out.pods[static_cast<size_t>(p)].cap_mw;
    const double cap = std::round(shed.cap_mw(p) * 1000) / 1000;  // 1 kW resolution
    if (written <= 0 || std::fabs(cap - written) >= kCapDeadbandPu * shed.compute_mw(p) ||
        cap == shed.compute_mw(p) || cap == shed.min_cap_mw(p))
      written = std::clamp(cap, shed.min_cap_mw(p), shed.compute_mw(p));
  }
  status.shed_mw = shed.target_mw();
}

// The controller's own estimate of the permit's rolling NOx, from the units' power.
void Controller::Impl::account_permit() {
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitState s = machines[u].state();
    if (s == UnitState::kOnline) permit.run_hours[u] += dt / 3600.0;
    if (s != UnitState::kOnline && s != UnitState::kStarting && s != UnitState::kCooling) continue;
    // The same fuel curve and combustor modes as the units' (site/turbine_fuel.hpp):
    // part-load and start-up NOx count several times the low-NOx rate.
    const site::TurbineGroup& g = *units[u].group;
    const bool purging = s == UnitState::kStarting && now < units[u].fuel_from_s;
    if (purging) continue;  // fans only: no fuel before ignition
    const double load_pu = std::clamp(units[u].mechanical_mw / units[u].rating_mw, 0.0, 1.0);
    const double fuel_per_h = units[u].fuel_mmbtu_per_h_full * site::fuel_pu_at_load(g, load_pu);
    // The combustor stays in its start-up mode until the unit reports online.
    const bool start_up =
        s == UnitState::kStarting || units[u].status == hal::TurbineStatus::kLoading;
    const double ppm = site::nox_ppm_at_load(g, load_pu, start_up);
    permit.nox_kg += fuel_per_h * dt / 3600.0 * site::nox_kg_per_mmbtu_from_ppm(ppm);
  }
  status.nox_kg = permit.nox_kg;
  status.permit_year_day = year_clock_s() / site::kSecondsPerDay;
  status.starts_used = fleet_starts_used();
  status.starts_allowed = site::starts_allowed_by(site, status.permit_year_day);
}

void Controller::Impl::end_scan() {
  for (UnitView& v : units)
    v.prev_power_mw = v.power_mw;
  prev_import_mw = est.import_mw;
  status.mode = supervisor.mode();
}

}  // namespace fw
