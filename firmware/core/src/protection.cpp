// Shedding and restoring GPU load: contingency amounts kept ready, frequency
// stages as a backup, restoration in steps once the margin is back.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "controller_impl.hpp"

namespace fw {

namespace {
// Share of a remaining unit's spare capacity its governor delivers before the
// frequency nadir: droop response builds over about a second (T1 + T2), while the
// nadir of a unit trip comes within 1-2 s [assumption, checked by the islanded
// turbine-trip scenario's nadir invariant].
constexpr double kGovernorShareBeforeNadir = 0.3;
// Highest frequency deviation the governors may use to deliver it: 0.5 Hz keeps
// the nadir at 59.5 Hz (the scenario invariant).
constexpr double kAllowedDeviationHz = 0.5;
constexpr double kNormalBandHz = 0.1;
constexpr double kGridFollowingShareBeforeNadir = 0.5;  // [assumption]
}  // namespace

void Controller::Impl::shed_at_least(double mw, const char* cause) {
  const double before = shed.target_mw();
  if (mw <= before) return;
  shed.set_target_mw(std::min(mw, shed.sheddable_mw()));
  margin_since_s = -1;  // restoring starts over
  // Logged when the rise is a restoration step or more: small top-ups each scan
  // would flood the log without telling the operator anything new.
  if (shed.target_mw() - before >= cfg.restore_step_pu * it_compute_mw) {
    char text[72];
    std::snprintf(text, sizeof text, "%s: GPU load held back %.1f -> %.1f MW", cause, before,
                  shed.target_mw());
    log.note(now, -1, text);
  }
}

// For each credible contingency: the IT power to shed in the same scan it is seen.
void Controller::Impl::precompute_contingencies() {
  const double f0 = site.grid.nominal_frequency_hz;
  // What the battery takes over: a grid-forming battery at once along its droop,
  // then to its rating as the controller commands it; a grid-following one only
  // after the next scan and its response lag. GPU caps act only after their lag
  // (0.5 s), later than a battery-held nadir: shedding for a loss the battery can
  // carry would cost GPU work and not lift the nadir.
  double battery_mw = battery_discharge_headroom_mw();
  if (!(site.has_battery && site.battery.grid_forming))
    battery_mw *= kGridFollowingShareBeforeNadir;
  // Grid loss: the import must be met at once by the battery and the online units.
  {
    const double lost = std::max(0.0, est.import_mw);
    double governors = 0;
    for (size_t u = 0; u < units.size(); ++u)
      if (machines[u].state() == UnitState::kOnline) {
        const double droop_mw = units[u].rating_mw * (kAllowedDeviationHz / f0) / units[u].droop_pu;
        governors += std::min(units[u].rating_mw - units[u].power_mw, droop_mw);
      }
    const double uncovered = lost - battery_mw - kGovernorShareBeforeNadir * governors;
    // Islanded, the whole load must also fit within the units and the battery.
    const double capacity_gap = est.load_mw - online_rating_mw() - battery_mw;
    contingency_mw[0] = std::max({0.0, uncovered, capacity_gap}) / (1 + overhead_pu);
  }
  // Loss of each online unit.
  for (size_t u = 0; u < units.size(); ++u) {
    if (machines[u].state() != UnitState::kOnline) {
      contingency_mw[1 + u] = 0;
      continue;
    }
    const double lost = units[u].power_mw;
    double governors = 0, capacity = 0;
    for (size_t v = 0; v < units.size(); ++v)
      if (v != u && machines[v].state() == UnitState::kOnline) {
        const double droop_mw = units[v].rating_mw * (kAllowedDeviationHz / f0) / units[v].droop_pu;
        governors += std::min(units[v].rating_mw - units[v].power_mw, droop_mw);
        capacity += units[v].rating_mw;
      }
    double need = 0;
    if (est.connected) {
      // The grid takes the loss; only the contract limit is at stake, and the
      // battery covers that while units start: shed what the battery cannot.
      need = est.import_mw + lost - import_limit_mw - battery_mw;
    } else {
      const double uncovered = lost - battery_mw - kGovernorShareBeforeNadir * governors;
      const double capacity_gap = est.load_mw - capacity - battery_mw;
      need = std::max(uncovered, capacity_gap);
    }
    contingency_mw[1 + u] = std::max(0.0, need) / (1 + overhead_pu);
  }
}

// Under-frequency stages: a backup that acts on frequency alone.
void Controller::Impl::frequency_stages() {
  const std::vector<double>& stages = cfg.ufls_stages_hz;  // at most 8 (site loader)
  // Riding through on the grid, the utility's feeder relays do the shedding.
  const bool ride_through =
      est.connected && cfg.ufls_when_connected == site::UflsWhenConnected::kRideThrough;
  for (size_t i = 0; i < stages.size() && i < std::size(ufls_low_since_s); ++i) {
    if (ride_through) {
      ufls_low_since_s[i] = 0;
      continue;
    }
    if (est.bus_hz_ok && est.bus_hz < stages[i] && est.bus_hz > 0) {
      if (ufls_low_since_s[i] <= 0) ufls_low_since_s[i] = now;
      if (static_cast<int>(i) >= ufls_acted && now - ufls_low_since_s[i] >= cfg.ufls_delay_s) {
        ufls_acted = static_cast<int>(i) + 1;
        const double stage_mw = cfg.ufls_stage_pu * shed.it_power_mw();
        shed.set_target_mw(std::min(shed.target_mw() + stage_mw, shed.sheddable_mw()));
        margin_since_s = -1;
        note("under-frequency stage at %.2f Hz: shedding %.1f MW", stages[i], stage_mw);
        supervisor.process(SupervisorEvent::kContingency, now, "under-frequency stage");
        emergency_since_s = now;
      }
    } else {
      ufls_low_since_s[i] = 0;
    }
  }
  status.ufls_stages = ufls_acted;
}

// Restore in steps once the margin is back, and stay restored only while it holds.
void Controller::Impl::restore() {
  if (shed.target_mw() <= 0) {
    margin_since_s = -1;
    ufls_acted = 0;
    return;
  }
  const double f0 = site.grid.nominal_frequency_hz;
  const double step_mw = cfg.restore_step_pu * it_compute_mw;
  const double step_site_mw = step_mw * (1 + overhead_pu + site.facility.cooling_pu);
  double margin_mw;
  if (est.connected) {
    // Would the contract hold at the import's recent peak? The battery above its
    // reserve and what the units can ramp up within the restore delay count too.
    double ramp_mw = 0;
    for (size_t u = 0; u < units.size(); ++u)
      if (machines[u].state() == UnitState::kOnline)
        ramp_mw += std::min(units[u].rating_mw - units[u].power_mw,
                            units[u].ramp_mw_per_s * cfg.restore_delay_s);
    if (battery_above_reserve()) {
      margin_mw = (import_limit_mw - cfg.import_margin_mw) - import_peak_mw + ramp_mw +
                  std::max(0.0, site.battery.power_mw - est.battery_mw);
    } else if (battery_swing_only()) {
      // The battery answers the swing: what counts is the mean, under its ceiling.
      margin_mw = mean_import_ceiling_mw() - raw_mean_mw + ramp_mw;
    } else if (site.has_battery && est.battery_ok) {
      // The battery only recharges: what GPU load comes back is taken from its
      // charge, which the import's target ramps up to the contract (recharge_target);
      // faster, it would step the import past the utility's ramp.
      margin_mw = std::min(import_limit_mw - cfg.import_margin_mw, import_target_mw) - raw_peak_mw +
                  ramp_mw;
    } else {
      // No battery to command: the grid's share of the load's recent peak is what
      // our sources do not carry now (as units take load over, the import's own
      // peak would hold the GPUs back for as long as it takes to fade).
      const double grid_peak_mw = load_peak_mw - est.turbine_mw - est.battery_mw;
      margin_mw = (import_limit_mw - cfg.import_margin_mw) - grid_peak_mw + ramp_mw;
    }
  } else {
    // Islanded: the energy plan with the units less their reserve, each online one
    // counting what it delivers and can ramp up within the restore delay (as above).
    margin_mw =
        island_sustainable_mw(1 - cfg.island_reserve_pu, cfg.restore_delay_s) - island_load_mw();
  }
  const bool frequency_ok = est.bus_hz_ok && est.bus_hz > f0 - kNormalBandHz;
  const bool enough = frequency_ok && margin_mw >= step_site_mw * 1.5;  // hysteresis
  if (!enough) {
    margin_since_s = -1;
    return;
  }
  if (margin_since_s < 0) margin_since_s = now;
  if (now - margin_since_s < cfg.restore_delay_s) return;
  if (now - last_restore_s < cfg.restore_interval_s) return;
  last_restore_s = now;
  shed.set_target_mw(std::max(0.0, shed.target_mw() - step_mw));
  if (shed.target_mw() <= 0) {
    ufls_acted = 0;
    note("GPU load fully restored");
  }
}

}  // namespace fw
