// The estimate: what the plant is doing, from readings that may lie. Every
// critical signal is checked against evidence independent of it, and a signal the
// evidence contradicts is distrusted (with hysteresis, said once), not obeyed:
// - the two POI meters against each other: the one that stepped alone is blamed;
// - the import meter against the power balance, and frozen against the pods' power;
// - the facility meter frozen against the pods' power; the balance stands in for it;
// - the breaker's "open" and the grid's "dead" against the power flowing through it;
// - the two frequency readings against each other and the grid's inertia.
// Our sources' meters and the battery's charge: source_signals.cpp.
#include <algorithm>
#include <cmath>

#include "controller_impl.hpp"

namespace fw {

namespace {
bool on(const hal::Signal& s) {
  return s.good() && s.value > 0.5;
}
// A recent peak fades at this share of the site's full power per second: slowly
// enough that a checkpoint's idle minute does not let the units unload before
// the job's compute phase returns in one step.
constexpr double kPeakForgetPuPerS = 0.0002;
constexpr double kIslandDriftHz = 0.05;   // a bus this far from the grid is not on it
constexpr double kClosedDoubtS = 2;       // an island's signs this long against "closed"
constexpr double kClosedTrustAgainS = 5;  // the bus on the grid's frequency this long
constexpr double kAliveS = 1;             // a meter that moved this recently is not frozen
// No interconnection's frequency moves faster: ENTSO-E's RoCoF withstand guidance
// (31 January 2018) asks for at most 2.5 Hz/s, at the severe end (docs/scenarios.md).
constexpr double kGridRocofMaxHzPerS = 2.5;
}  // namespace

bool FreezeWatch::frozen(double reading, double reference, double now_s, double after_s,
                         double tolerance) {
  if (reading != value) {
    value = reading;
    changed_at_s = now_s;
    reference_at_change = reference;
    reference_moved = 0;
  }
  // The reference's largest move since: a swing passing its old value again does
  // not make a frozen reading look alive.
  reference_moved = std::max(reference_moved, std::fabs(reference - reference_at_change));
  return now_s - changed_at_s > after_s && reference_moved > tolerance;
}

bool Doubt::update(bool evidence, double now_s) {
  if (evidence) {
    agreed_since_s = -1;
    if (against_since_s < 0) against_since_s = now_s;
    if (now_s - against_since_s >= after_s) active = true;
  } else {
    against_since_s = -1;
    if (agreed_since_s < 0) agreed_since_s = now_s;
    if (now_s - agreed_since_s >= clear_s) active = false;
  }
  return active;
}

void Controller::Impl::estimate(const hal::ProcessImage& img) {
  estimate_poi(img.poi);
  estimate_sources(img);
  validate_source_meters(img);
  validate_soc(img.battery);
  shed.observe(img, dt);
  blame_balance_break(img.poi);
  estimate_load(img.poi);
  validate_import(img.poi);
  validate_breaker(img.poi);
  const bool import_doubted = est.meter_suspect || balance_blame == Blame::kImport;
  est.import_mw = est.connected ? (import_doubted ? balance_mw() : img.poi.import_mw.value) : 0;
  est.import_ok = img.poi.import_mw.good() || est.connected;  // the balance stands in
  validate_frequency(img.poi);
  import_peak_mw = recent_peak(import_peak_mw, est.import_mw);
  if (est.poi_ok) {
    if (est.connected) islanded_since_s = -1;
    if (!est.connected && islanded_since_s < 0) islanded_since_s = now;
  }
  status.connected = est.connected;
  status.import_mw = est.import_mw;
  status.import_meter_suspect = est.meter_suspect;
  status.site_load_mw = est.load_mw;
}

void Controller::Impl::estimate_poi(const hal::PoiInputs& poi) {
  est.poi_ok = poi.breaker_closed.good() && poi.grid_available.good();
  if (est.poi_ok) est.connected = on(poi.breaker_closed) && on(poi.grid_available);
  est.grid_live = on(poi.grid_available) && poi.grid_frequency_hz.good();
  est.grid_hz = poi.grid_frequency_hz.good() ? poi.grid_frequency_hz.value : 0;
  est.bus_hz_ok = poi.bus_frequency_hz.good();
  if (est.bus_hz_ok) est.bus_hz = poi.bus_frequency_hz.value;
}

void Controller::Impl::estimate_sources(const hal::ProcessImage& img) {
  est.turbine_mw = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    const hal::TurbineInputs& t = img.turbines[u];
    UnitView& v = units[u];
    v.comms_ok = t.power_mw.good() && t.status.good();
    v.power_reading_ok = t.power_mw.good();
    if (t.power_mw.good()) v.power_mw = t.power_mw.value;
    // The shaft's power, for the headroom to rating and the fuel; the electrical
    // output stands in for it from a unit that does not report it.
    v.mechanical_mw = t.mechanical_power_mw.good() ? t.mechanical_power_mw.value : v.power_mw;
    if (t.status.good())
      v.status = static_cast<hal::TurbineStatus>(static_cast<int>(t.status.value));
    if (t.run_hours.good()) v.run_hours = t.run_hours.value;
    if (t.trip_cause.good()) v.trip_cause = static_cast<int>(t.trip_cause.value);
    est.turbine_mw += v.power_mw;
  }
  est.battery_ok = img.has_battery && img.battery.power_mw.good() && img.battery.soc_pu.good();
  if (est.battery_ok) {
    est.battery_mw = img.battery.power_mw.value;
    est.soc_pu = img.battery.soc_pu.value;
  }
}

double Controller::Impl::pods_load_mw() const {
  return shed.it_power_mw() * (1 + overhead_pu + site.facility.cooling_pu) + site.facility.fixed_mw;
}

double Controller::Impl::balance_mw() const {
  return est.load_mw - est.turbine_mw - est.battery_mw;
}

// Which meter broke the balance. At the scan where the import and our sources
// stop adding up to the facility meter, the meter that stepped alone is blamed at
// once: its step is not in the pods' power, and the other meter, alive (it moved
// within the last second), did not follow. A real load step moves both meters, a
// unit's trip moves the import and our sources together, and a meter read a scan
// late breaks the balance without having stepped. The blame lasts as long as the
// break; a meter is distrusted (said, alarmed) once blamed for 2 s (its Doubt).
void Controller::Impl::blame_balance_break(const hal::PoiInputs& poi) {
  BalanceSample now_sample;
  now_sample.valid = est.connected && poi.import_mw.good() && poi.facility_load_mw.good();
  if (!now_sample.valid) {
    balance_blame = Blame::kNone;
    last_balance = now_sample;
    return;
  }
  now_sample.import_mw = poi.import_mw.value;
  now_sample.facility_mw = poi.facility_load_mw.value;
  now_sample.sources_mw = est.turbine_mw + est.battery_mw;
  now_sample.pods_mw = pods_load_mw();
  now_sample.residual_mw = now_sample.import_mw + now_sample.sources_mw - now_sample.facility_mw;
  const double tol = cfg.meter_tolerance_mw;
  const BalanceSample& before = last_balance;
  if (std::fabs(now_sample.residual_mw) <= tol) {
    balance_blame = Blame::kNone;
  } else if (before.valid && std::fabs(before.residual_mw) <= tol) {
    const double pods_step = now_sample.pods_mw - before.pods_mw;
    const double import_step = now_sample.import_mw - before.import_mw;
    const double supplied_step = import_step + now_sample.sources_mw - before.sources_mw;
    const double facility_step = now_sample.facility_mw - before.facility_mw;
    const bool facility_alive = now - facility_freeze.changed_at_s <= kAliveS;
    const bool import_alive = now - import_freeze.changed_at_s <= kAliveS;
    if (std::fabs(import_step) > tol && std::fabs(supplied_step - pods_step) > tol &&
        std::fabs(facility_step - pods_step) <= tol && facility_alive)
      balance_blame = Blame::kImport;
    else if (std::fabs(facility_step) > tol && std::fabs(facility_step - pods_step) > tol &&
             std::fabs(supplied_step - pods_step) <= tol && import_alive)
      balance_blame = Blame::kFacility;
  }
  last_balance = now_sample;
}

// Facility load: the POI's facility meter, unless it is lost, frozen (it does not
// move while the pods' power does) or blamed for the balance's break. Then the
// import meter with our sources gives it, or, without a trusted import, the pods'
// power with the overheads.
void Controller::Impl::estimate_load(const hal::PoiInputs& poi) {
  const double pods_mw = pods_load_mw();
  const bool reading = poi.facility_load_mw.good();
  const bool frozen =
      reading && facility_freeze.frozen(poi.facility_load_mw.value, shed.it_power_mw(), now,
                                        cfg.frozen_meter_s, cfg.meter_tolerance_mw);
  const bool blamed = balance_blame == Blame::kFacility;
  const bool was_suspect = facility_doubt.active;
  if (reading) facility_doubt.update(frozen || blamed, now);
  if (facility_doubt.active && !was_suspect)
    note(blamed ? "facility meter distrusted: stepped alone to %.1f MW, balance %.1f MW"
                : "facility meter distrusted: frozen at %.1f MW while the pods moved (%.1f MW)",
         poi.facility_load_mw.value,
         blamed ? last_balance.import_mw + last_balance.sources_mw : pods_mw);
  if (!facility_doubt.active && was_suspect)
    note("facility meter trusted again: agrees with the import and the pods");
  est.load_ok = true;
  const bool import_trusted =
      poi.import_mw.good() && !est.meter_suspect && balance_blame != Blame::kImport;
  if (reading && !facility_doubt.active && !blamed) {
    est.load_mw = poi.facility_load_mw.value;
  } else if (est.connected && import_trusted) {
    est.load_mw = poi.import_mw.value + est.turbine_mw + est.battery_mw;
  } else {
    est.load_mw = pods_mw;  // a conservative estimate from the pods' last readings
  }
}

// The import meter against the power balance (analytic redundancy), and frozen
// against the pods' power. A mismatch counts only with the facility meter trusted:
// were it the bad one, the balance would accuse the good import meter. Islanded,
// with our sources carrying the whole load, an open breaker carries nothing: a
// meter reading a flow is still in doubt when the breaker closes again (it was
// trusted again during the island, and its stuck 300 MW shed GPU load on the return).
void Controller::Impl::validate_import(const hal::PoiInputs& poi) {
  if (!poi.import_mw.good()) return;
  const double balance = balance_mw();
  const bool frozen =
      est.connected && import_freeze.frozen(poi.import_mw.value, shed.it_power_mw(), now,
                                            cfg.frozen_meter_s, cfg.meter_tolerance_mw);
  const double tol = cfg.meter_tolerance_mw;
  const bool mismatch = est.connected && !facility_doubt.active &&
                        balance_blame != Blame::kFacility &&
                        std::fabs(poi.import_mw.value - balance) > tol;
  const bool flow_while_open = !est.connected && est.poi_ok && std::fabs(balance) <= tol &&
                               std::fabs(poi.import_mw.value) > tol;
  const bool was_suspect = est.meter_suspect;
  est.meter_suspect = import_doubt.update(frozen || mismatch || flow_while_open, now);
  if (est.meter_suspect && !was_suspect)
    note("import meter suspect: reads %.1f MW, balance %.1f MW", poi.import_mw.value, balance);
  if (!est.meter_suspect && was_suspect) note("import meter agrees with the balance again");
}

// The breaker's "open" against the power flowing through it. The POI meter sees
// its own breaker's flow stop in the same sample, so "open" with the meter still
// reading the power our sources do not make (it agrees with the balance: load less
// our sources) is a status that lies, and is not obeyed: the mode and dispatch stay
// as they are. It is trusted again when it reads closed, or when the flow stops and
// the bus's frequency leaves the grid's (an island drifts; a connected bus cannot).
void Controller::Impl::validate_breaker(const hal::PoiInputs& poi) {
  if (est.poi_ok && on(poi.grid_available) && on(poi.breaker_closed)) {
    breaker_distrusted = false;
    grid_lost_distrusted = false;
    validate_breaker_closed(poi);
    return;
  }
  breaker_closed_distrusted = false;
  if (!est.poi_ok) {
    breaker_distrusted = grid_lost_distrusted = false;
    return;
  }
  const double tolerance = cfg.meter_tolerance_mw;
  const bool meter = poi.import_mw.good() && !est.meter_suspect;
  const double import_mw = meter ? poi.import_mw.value : 0;
  const bool agrees = std::fabs(import_mw - balance_mw()) <= 2 * tolerance;
  const bool flowing = meter && std::fabs(import_mw) > tolerance && agrees;
  const bool drifting =
      est.bus_hz_ok && est.grid_hz > 0 && std::fabs(est.bus_hz - est.grid_hz) > kIslandDriftHz;
  validate_grid_available(poi, meter && import_mw > tolerance && agrees);
  if (!on(poi.grid_available) && !grid_lost_distrusted) {
    breaker_distrusted = false;
    return;
  }
  const bool was = breaker_distrusted;
  if (on(poi.breaker_closed)) breaker_distrusted = false;
  if (!on(poi.breaker_closed) && flowing) breaker_distrusted = true;
  if (!flowing && drifting) breaker_distrusted = false;
  if (breaker_distrusted != was)
    note(breaker_distrusted
             ? "breaker status distrusted: reads open while %.1f MW flows (balance %.1f MW)"
             : "breaker status trusted: no flow, the bus drifts from the grid",
         poi.import_mw.value, balance_mw());
  if (breaker_distrusted || (grid_lost_distrusted && on(poi.breaker_closed))) est.connected = true;
}

// "The grid is dead" against the power it delivers: a dead utility cannot supply
// the site, so an import the balance confirms says the signal lies. It is trusted
// again when the import stops.
void Controller::Impl::validate_grid_available(const hal::PoiInputs& poi, bool supplied) {
  const bool was = grid_lost_distrusted;
  grid_lost_distrusted = !on(poi.grid_available) && supplied;
  if (grid_lost_distrusted != was)
    note(grid_lost_distrusted
             ? "grid-available distrusted: reads dead while the grid supplies %.1f MW"
             : "grid-available trusted: the import stopped",
         poi.import_mw.value, balance_mw());
  if (grid_lost_distrusted) est.grid_live = poi.grid_frequency_hz.good();
}

// The breaker's "closed" against an island's signs: no flow through it, and the bus's
// frequency leaving the grid's (a connected bus cannot). Both for 2 s, and the
// status is not obeyed: the site is islanded. It is trusted again when power flows
// through the POI, or when after a close command of ours the bus has kept the
// grid's frequency for 5 s (an island held at nominal does not count).
void Controller::Impl::validate_breaker_closed(const hal::PoiInputs& poi) {
  const double tolerance = cfg.meter_tolerance_mw;
  const bool flow = poi.import_mw.good() && std::fabs(poi.import_mw.value) > tolerance;
  const bool drift =
      est.bus_hz_ok && est.grid_hz > 0 && std::fabs(est.bus_hz - est.grid_hz) > kIslandDriftHz;
  if (flow || !poi.import_mw.good()) no_flow_since_s = -1;
  if (!flow && poi.import_mw.good() && no_flow_since_s < 0) no_flow_since_s = now;
  if (drift) bus_drift_at_s = now;
  const bool was = breaker_closed_distrusted;
  const bool islanded_signs = no_flow_since_s >= 0 && now - no_flow_since_s >= kClosedDoubtS &&
                              now - bus_drift_at_s <= kClosedDoubtS;
  if (islanded_signs && !breaker_closed_distrusted) {
    breaker_closed_distrusted = true;
    closed_distrusted_since_s = now;
  }
  const bool closed_since =
      last_close_attempt_s > closed_distrusted_since_s &&
      now - std::max(bus_drift_at_s, last_close_attempt_s) > kClosedTrustAgainS;
  if (flow || closed_since) breaker_closed_distrusted = false;
  if (breaker_closed_distrusted != was)
    note(breaker_closed_distrusted
             ? "breaker status distrusted: reads closed, no flow and the bus at %.2f Hz "
               "against the grid's %.2f Hz"
             : "breaker status trusted: it reads closed and the bus is on the grid",
         est.bus_hz, est.grid_hz);
  if (breaker_closed_distrusted) est.connected = false;
}

// The two frequency readings against each other and the interconnection's inertia.
// On the grid, with power flowing through the POI, the bus and the grid are one
// node: the reading that left the other faster than an interconnection's frequency
// can move stepped alone, and is blamed; the other stands in for it while they
// disagree. Neither the under-frequency stages nor the battery's droop act on one
// witness. Distrusted (said, alarmed) once blamed for 2 s.
void Controller::Impl::validate_frequency(const hal::PoiInputs& poi) {
  const bool grid_hz_ok = poi.grid_frequency_hz.good() && est.grid_hz > 0;
  const bool flowing = std::fabs(est.import_mw) > cfg.meter_tolerance_mw;
  const bool on_grid = est.connected && flowing && est.bus_hz_ok && grid_hz_ok;
  const double bus_hz = est.bus_hz, grid_hz = est.grid_hz;
  const bool apart = std::fabs(bus_hz - grid_hz) > kIslandDriftHz;
  if (!on_grid || !apart) {
    frequency_blame = FrequencyBlame::kNone;
  } else if (frequency_blame == FrequencyBlame::kNone) {
    const double most = kGridRocofMaxHzPerS * dt;
    const bool bus_jumped = std::fabs(bus_hz - last_bus_hz) > most;
    const bool grid_jumped = std::fabs(grid_hz - last_grid_hz) > most;
    if (bus_jumped && !grid_jumped) frequency_blame = FrequencyBlame::kBus;
    if (grid_jumped && !bus_jumped) frequency_blame = FrequencyBlame::kGrid;
  }
  last_bus_hz = bus_hz;
  last_grid_hz = grid_hz;
  const bool was = frequency_doubt.active;
  frequency_doubt.update(frequency_blame != FrequencyBlame::kNone, now);
  if (frequency_doubt.active && !was)
    note(frequency_blame == FrequencyBlame::kBus
             ? "bus frequency distrusted: it jumped to %.2f Hz on the grid at %.2f Hz"
             : "grid frequency distrusted: it jumped to %.2f Hz on the bus at %.2f Hz",
         frequency_blame == FrequencyBlame::kBus ? bus_hz : grid_hz,
         frequency_blame == FrequencyBlame::kBus ? grid_hz : bus_hz);
  if (!frequency_doubt.active && was) note("the bus and grid frequencies agree again");
  if (frequency_blame == FrequencyBlame::kBus) est.bus_hz = grid_hz;
  if (frequency_blame == FrequencyBlame::kGrid) est.grid_hz = bus_hz;
}

// A recent peak: the new value, or the old peak fading. A dead bus forgets it: the
// load went with the supply, and what comes back is the cold-load pickup (a peak
// from before a blackout, fading for the whole outage, made starts for load that
// had gone).
double Controller::Impl::recent_peak(double peak_mw, double value_mw) const {
  if (bus_dead()) return value_mw;
  return std::max(value_mw, peak_mw - kPeakForgetPuPerS * site_full_mw * dt);
}

}  // namespace fw
