// This controller against the baseline over the scenario suite (every file in
// scenarios/), in virtual time: curtailed GPU energy in all, the lowest frequency,
// the largest import ramp, and how many runs broke an invariant.
#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "bench.hpp"
#include "scenario_run.hpp"
#include "sim/scenario.hpp"

namespace bench {

Figures scenario_suite(const Options& o) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(o.source_dir + "/scenarios"))
    if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  if (o.quick)  // two short ones
    files.erase(std::remove_if(files.begin(), files.end(),
                               [](const std::string& f) {
                                 return f.find("islanded-turbine-trip") == std::string::npos &&
                                        f.find("fail-to-start") == std::string::npos;
                               }),
                files.end());
  struct Totals {
    double curtailed_mwh = 0, nadir_hz = 1e9, ramp_mw_per_min = 0;
    int broken = 0;
  } plant, baseline;
  double nominal_hz = 60;
  for (const std::string& file : files) {
    sim::ScenarioLoad loaded = sim::load_scenario_file(file);
    if (!loaded.errors.empty()) throw std::runtime_error(loaded.errors.front().str());
    nominal_hz = loaded.site->grid.nominal_frequency_hz;
    for (site::ControllerKind kind :
         {site::ControllerKind::kPlant, site::ControllerKind::kBaseline}) {
      scenario::RunOptions options;
      options.controller = kind;
      const scenario::RunResult r = scenario::run_scenario(*loaded.scenario, *loaded.site, options);
      Totals& t = kind == site::ControllerKind::kPlant ? plant : baseline;
      t.curtailed_mwh += r.kpis.curtailed_mwh;
      t.nadir_hz = std::min(t.nadir_hz, r.kpis.freq_nadir_hz);
      t.ramp_mw_per_min = std::max(t.ramp_mw_per_min, r.kpis.import_ramp_max_mw_per_min);
      t.broken += r.all_pass() ? 0 : 1;
    }
  }
  const std::string over = " over " + std::to_string(files.size()) + " scenarios";
  const char* group = "scenario suite";
  return {
      {group, "curtailed GPU energy, this controller" + over, plant.curtailed_mwh, "MWh",
       baseline.curtailed_mwh > 0 ? plant.curtailed_mwh / baseline.curtailed_mwh : std::nan(""),
       "of the baseline's"},
      {group, "curtailed GPU energy, baseline" + over, baseline.curtailed_mwh, "MWh"},
      {group, "lowest frequency, this controller" + over, plant.nadir_hz, "Hz",
       (nominal_hz - plant.nadir_hz) / (nominal_hz - baseline.nadir_hz),
       "of the baseline's dip below nominal"},
      {group, "lowest frequency, baseline" + over, baseline.nadir_hz, "Hz"},
      {group, "largest import ramp, this controller" + over, plant.ramp_mw_per_min, "MW/min",
       baseline.ramp_mw_per_min > 0 ? plant.ramp_mw_per_min / baseline.ramp_mw_per_min
                                    : std::nan(""),
       "of the baseline's"},
      {group, "largest import ramp, baseline" + over, baseline.ramp_mw_per_min, "MW/min"},
      {group, "runs that broke an invariant, this controller" + over,
       static_cast<double>(plant.broken), "runs"},
      {group, "runs that broke an invariant, baseline" + over, static_cast<double>(baseline.broken),
       "runs"},
  };
}

}  // namespace bench
