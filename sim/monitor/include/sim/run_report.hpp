// What a run of a scenario is judged by: KPIs and invariants, from the plant's
// truth. Shared by the virtual-time runner (tools/scenario) and plantsim serving
// devices to a controller in another process.
#pragma once

#include <string>
#include <vector>

#include "site/site.hpp"

namespace sim {

struct Kpis {
  double curtailed_mwh = 0;                 // GPU energy held back by caps
  double curtailed_pct = 0;                 // of the GPU energy demanded
  double contract_violation_s = 0;          // total time above the contract
  double contract_violation_max_run_s = 0;  // longest spell above it
  double freq_nadir_hz = 0, freq_peak_hz = 0;
  double import_ramp_max_mw_per_min = 0;  // largest change of the 10 s mean import over 60 s
  double import_ramp_max_at_s = 0;        // when it ended
  // Export beyond what the contract allows: time, energy and the largest.
  double export_s = 0, export_mwh = 0, export_peak_mw = 0;
  // The import's energy in the 0.1-20 Hz band over the load's, while connected
  // (< 0: the load did not swing enough to judge), and the load's rms in the band.
  double poi_band_ratio = -1, load_band_rms_mw = 0;
  int turbine_starts = 0;
  // The permit year: every unit's starts including those before the run, the
  // pace's allowance by the run's last day, starts made connected beyond it, and
  // the year's starts and rolling NOx carried to its end at this run's pace.
  int starts_in_year = 0;
  double starts_allowed = 0;
  int starts_beyond_pace = 0;
  double starts_projected = 0, nox_projected_short_tons = 0;
  double fuel_mmbtu = 0, co2_t = 0, nox_t = 0;
  double smoothing_mwh = 0;  // battery losses plus pod floor burn
  double unserved_mwh = 0;
  double blackout_s = 0;
  // Ride-through and cold load: energy the pods' UPS batteries gave, pods on UPS
  // and pods dark at most, and the work of dark and booting pods.
  double ups_mwh = 0, lost_it_mwh = 0;
  int max_pods_on_ups = 0, max_dark_pods = 0;
  double unneeded_shed_s = 0;
  double max_units_running = 0;
};

struct Invariant {
  std::string name;
  bool pass = true;
  std::string detail;
};

struct RunReport {
  std::string scenario, site;
  site::ControllerKind controller = site::ControllerKind::kPlant;
  double duration_s = 0;
  Kpis kpis;
  std::vector<Invariant> invariants;
  bool all_pass() const;
  std::vector<std::string> log;  // state transitions, controller notes, device refusals
  std::string csv;               // time series, when asked for
  double wall_s = 0;
  // The perfect-foresight bound on the GPU energy any controller leaves undelivered
  // here (`plantctl scenario bound`, docs/bound.md), when it was computed; < 0: not.
  double bound_mwh = -1;
  // GPU energy this run did not deliver, the figure the bound is for: what caps held
  // back, plus the work of pods that were dark or booting.
  double not_delivered_mwh() const { return kpis.curtailed_mwh + kpis.lost_it_mwh; }
};

// A run's undelivered energy over the bound's (the regret): 1 when both are zero,
// infinite when only the bound is.
double regret(double run_mwh, double bound_mwh);
// The target a controller is held to: at most 1.1 times the bound plus 0.5 MWh.
bool within_bound_target(double run_mwh, double bound_mwh);

std::string to_json(const RunReport& r);
// The KPIs and invariants as a few lines of text for a terminal.
std::string summary_text(const RunReport& r);

}  // namespace sim
