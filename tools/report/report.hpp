// A scenario report a controls engineer can hand to a colleague: the run's time
// series, plots drawn by gnuplot (Debian's gnuplot-nox) with the scenario's
// events marked, and an HTML page with the KPI and invariant tables.
//
//   DIR/series.csv     the time series (scenario::RunOptions::csv_interval_s)
//   DIR/plots.gp       the gnuplot script that draws the plots from it
//   DIR/import.png     grid import against the contract
//   DIR/turbines.png   each unit's output
//   DIR/gpu.png        GPU load and caps in force, by priority class
//   DIR/frequency.png  frequency
//   DIR/battery.png    battery state of charge and power
//   DIR/index.html     all of it on one page
#pragma once

#include <string>

#include "sim/run_report.hpp"
#include "sim/scenario.hpp"
#include "site/site.hpp"

namespace report {

// Writes the report into `dir` (made if missing). The run must carry a time
// series. Returns "" when written, else what went wrong.
std::string write_report(const sim::RunReport& run, const sim::Scenario& scenario,
                         const site::Site& site, const std::string& dir);

}  // namespace report
