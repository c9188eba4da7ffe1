// `plantctl scenario run`: a scenario in virtual time against the controller;
// prints the KPIs and invariants, exits 1 when an invariant breaks.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "finite_range.hpp"
#include "report.hpp"
#include "scenario_run.hpp"
#include "sim/scenario.hpp"

namespace plantctl {
namespace {

struct RunArgs {
  std::string file, controller, json, csv, site, report;
  bool verbose = false;
  double csv_interval_s = 1.0;
};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "plantctl: cannot write " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

// On a terminal, once a run has taken 2 s: a bar on standard error, redrawn in
// place, and cleared when the run ends.
class ProgressBar {
 public:
  ProgressBar() : shown_(isatty(STDERR_FILENO) != 0) {}
  std::function<void(double)> callback() {
    if (!shown_) return nullptr;
    return [this](double fraction) {
      const double wall_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      if (wall_s < 2) return;
      constexpr int kWidth = 40;
      const int done = static_cast<int>(fraction * kWidth);
      std::fprintf(stderr, "\r[%-*s] %3.0f %%, %.0f s", kWidth, std::string(done, '#').c_str(),
                   100 * fraction, wall_s);
      drawn_ = true;
    };
  }
  ~ProgressBar() {
    if (drawn_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool shown_, drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void print(const scenario::RunResult& r) {
  std::fputs(sim::summary_text(r).c_str(), stdout);
}

void run(const RunArgs& a) {
  sim::ScenarioLoad loaded = sim::load_scenario_file(a.file, a.site);
  if (!loaded.errors.empty()) {
    for (const auto& d : loaded.errors)
      std::cerr << d.str() << "\n";
    throw CLI::RuntimeError(1);
  }
  scenario::RunOptions options;
  if (a.controller == "baseline") options.controller = site::ControllerKind::kBaseline;
  if (a.controller == "plant") options.controller = site::ControllerKind::kPlant;
  if (!a.csv.empty() || !a.report.empty()) options.csv_interval_s = a.csv_interval_s;
  scenario::RunResult r;
  {
    ProgressBar bar;
    options.progress = bar.callback();
    r = scenario::run_scenario(*loaded.scenario, *loaded.site, options);
  }
  if (a.verbose)
    for (const std::string& line : r.log)
      std::cout << "  " << line << "\n";
  print(r);
  if (!a.json.empty() && !write_file(a.json, scenario::to_json(r))) throw CLI::RuntimeError(1);
  if (!a.csv.empty() && !write_file(a.csv, r.csv)) throw CLI::RuntimeError(1);
  if (!a.report.empty()) {
    const std::string problem = report::write_report(r, *loaded.scenario, *loaded.site, a.report);
    if (!problem.empty()) {
      std::cerr << "plantctl: no report: " << problem << "\n";
      throw CLI::RuntimeError(1);
    }
    std::printf("report: %s/index.html\n", a.report.c_str());
  }
  if (!r.all_pass()) throw CLI::RuntimeError(1);
}

// Both controllers on each scenario, side by side, with the ratios.
void compare(const std::vector<std::string>& files) {
  double plant_total = 0, baseline_total = 0;
  bool all_pass = true;
  std::printf("%-28s %-9s %12s %10s %10s %12s %8s %6s\n", "scenario", "controller", "curtailed MWh",
              "nadir Hz", "ramp MW/min", "above cont. s", "starts", "pass");
  for (const std::string& file : files) {
    sim::ScenarioLoad loaded = sim::load_scenario_file(file);
    if (!loaded.errors.empty()) {
      for (const auto& d : loaded.errors)
        std::cerr << d.str() << "\n";
      throw CLI::RuntimeError(1);
    }
    for (site::ControllerKind kind :
         {site::ControllerKind::kPlant, site::ControllerKind::kBaseline}) {
      scenario::RunOptions options;
      options.controller = kind;
      const scenario::RunResult r = scenario::run_scenario(*loaded.scenario, *loaded.site, options);
      const scenario::Kpis& k = r.kpis;
      int failed = 0;
      for (const scenario::Invariant& i : r.invariants)
        failed += i.pass ? 0 : 1;
      std::printf("%-28s %-9s %12.3f %10.3f %10.2f %12.2f %8d %6s\n",
                  r.scenario.substr(0, 28).c_str(), site::to_string(kind), k.curtailed_mwh,
                  k.freq_nadir_hz, k.import_ramp_max_mw_per_min, k.contract_violation_s,
                  k.turbine_starts, failed ? ("FAIL " + std::to_string(failed)).c_str() : "ok");
      if (kind == site::ControllerKind::kPlant) {
        plant_total += k.curtailed_mwh;
        all_pass &= failed == 0;
      } else {
        baseline_total += k.curtailed_mwh;
      }
    }
  }
  std::printf("curtailed GPU energy over the set: this controller %.3f MWh, baseline %.3f MWh",
              plant_total, baseline_total);
  if (baseline_total > 0) std::printf(" (ratio %.2f)", plant_total / baseline_total);
  std::printf("\n");
  if (!all_pass) throw CLI::RuntimeError(1);
}

}  // namespace

void add_scenario_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand("scenario", "Run scenarios against the controller");
  group->require_subcommand(1);
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = group->add_subcommand("run", "Run one scenario in virtual time");
  cmd->add_option("FILE", args->file, "Scenario file (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--controller", args->controller, "plant (this controller) or baseline")
      ->check(CLI::IsMember({"plant", "baseline"}));
  cmd->add_option("--site", args->site, "Site file instead of the scenario's")
      ->check(CLI::ExistingFile);
  cmd->add_option("--json", args->json, "Write the KPI and invariant summary as JSON");
  cmd->add_option("--csv", args->csv, "Write a time series as CSV");
  cmd->add_option("--report", args->report,
                  "Write plots (gnuplot) and an HTML page with the KPIs into this directory");
  cmd->add_option("--csv-interval-s", args->csv_interval_s, "Seconds between CSV rows")
      ->check(plant_cli::FiniteRange(0.01, 3600.0));
  cmd->add_flag("-v,--verbose", args->verbose, "Print every transition, note and refusal");
  cmd->callback([args] { run(*args); });

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmp = group->add_subcommand("compare",
                                        "Run scenarios with this controller and the baseline; exit "
                                        "1 if this one breaks an invariant");
  cmp->add_option("FILES", *files, "Scenario files (TOML)")->required()->check(CLI::ExistingFile);
  cmp->callback([files] { compare(*files); });
}

}  // namespace plantctl
