// Runs a scenario in virtual time: the plant simulator, the HAL's simulator
// backend and the controller's scan, and judges the run by its invariants.
//
// The controller scans every scan_period_s; the plant steps every step_s in
// between, with the scenario's events applied at their times.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "site/site.hpp"

namespace scenario {

struct Kpis {
  double curtailed_mwh = 0;                 // GPU energy held back by caps
  double curtailed_pct = 0;                 // of the GPU energy demanded
  double contract_violation_s = 0;          // total time above the contract
  double contract_violation_max_run_s = 0;  // longest spell above it
  double freq_nadir_hz = 0, freq_peak_hz = 0;
  double import_ramp_max_mw_per_min = 0;  // largest change of the 1 s mean import over 60 s
  int turbine_starts = 0;
  double fuel_mmbtu = 0, co2_t = 0, nox_t = 0;
  double smoothing_mwh = 0;  // battery losses plus pod floor burn
  double unserved_mwh = 0;
  double blackout_s = 0;
  double unneeded_shed_s = 0;
  double max_units_running = 0;
};

struct Invariant {
  std::string name;
  bool pass = true;
  std::string detail;
};

struct RunOptions {
  std::optional<site::ControllerKind> controller;  // overrides scenario and site
  double csv_interval_s = 0;                       // 0: no time series
  std::function<void(double fraction)> progress;   // called now and then
};

struct RunResult {
  std::string scenario, site;
  site::ControllerKind controller = site::ControllerKind::kPlant;
  double duration_s = 0;
  Kpis kpis;
  std::vector<Invariant> invariants;
  bool all_pass() const;
  std::vector<std::string> log;  // state transitions, controller notes, device refusals
  std::string csv;               // time series, when asked for
  double wall_s = 0;
};

RunResult run_scenario(const sim::Scenario& scenario, const site::Site& site,
                       const RunOptions& options);

std::string to_json(const RunResult& r);

}  // namespace scenario
