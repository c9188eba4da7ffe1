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

#include "sim/run_report.hpp"
#include "sim/scenario.hpp"
#include "site/site.hpp"

namespace scenario {

using Kpis = sim::Kpis;
using Invariant = sim::Invariant;
using RunResult = sim::RunReport;

struct RunOptions {
  std::optional<site::ControllerKind> controller;  // overrides scenario and site
  double csv_interval_s = 0;                       // 0: no time series
  std::function<void(double fraction)> progress;   // called now and then
};

RunResult run_scenario(const sim::Scenario& scenario, const site::Site& site,
                       const RunOptions& options);

using sim::to_json;

}  // namespace scenario
