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
#include "json/json_string.hpp"
#include "perfect_foresight.hpp"
#include "report.hpp"
#include "scenario_run.hpp"
#include "sim/scenario.hpp"

namespace plantctl {
namespace {

struct RunArgs {
  std::string file, controller, json, csv, site, report;
  bool verbose = false, no_bound = false;
  double csv_interval_s = 1.0;
};

struct BoundArgs {
  std::string file, site, json;
  double interval_s = 0;
  bool hold_import_ramp = false;
};

// The perfect-foresight bound, or a message on standard error and -1 when GLPK
// found no optimum.
double bound_mwh(const sim::Scenario& scenario, const site::Site& site) {
  const bound::BoundResult b = bound::perfect_foresight_bound(scenario, site, {});
  if (!b.solved) std::cerr << "plantctl: no bound: " << b.problem << "\n";
  return b.solved ? b.not_delivered_mwh : -1;
}

sim::ScenarioLoad load_or_exit(const std::string& file, const std::string& site = "") {
  sim::ScenarioLoad loaded = sim::load_scenario_file(file, site);
  if (!loaded.errors.empty()) {
    for (const auto& d : loaded.errors)
      std::cerr << d.str() << "\n";
    throw CLI::RuntimeError(1);
  }
  return loaded;
}

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
  const sim::ScenarioLoad loaded = load_or_exit(a.file, a.site);
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
  if (!a.no_bound) r.bound_mwh = bound_mwh(*loaded.scenario, *loaded.site);
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

// Both controllers on each scenario, side by side, with the bound and the regret.
void compare(const std::vector<std::string>& files) {
  double plant_total = 0, baseline_total = 0, bound_total = 0;
  bool all_pass = true;
  std::printf("%-28s %-9s %12s %9s %9s %8s %10s %10s %12s %7s %6s\n", "scenario", "controller",
              "curtailed MWh", "lost MWh", "bound MWh", "regret", "nadir Hz", "ramp MW/min",
              "above cont. s", "starts", "pass");
  for (const std::string& file : files) {
    const sim::ScenarioLoad loaded = load_or_exit(file);
    const double bound = bound_mwh(*loaded.scenario, *loaded.site);
    bound_total += std::max(0.0, bound);
    for (site::ControllerKind kind :
         {site::ControllerKind::kPlant, site::ControllerKind::kBaseline}) {
      scenario::RunOptions options;
      options.controller = kind;
      scenario::RunResult r = scenario::run_scenario(*loaded.scenario, *loaded.site, options);
      r.bound_mwh = bound;
      const scenario::Kpis& k = r.kpis;
      int failed = 0;
      for (const scenario::Invariant& i : r.invariants)
        failed += i.pass ? 0 : 1;
      const double g = sim::regret(r.not_delivered_mwh(), bound);
      std::printf("%-28s %-9s %12.3f %9.3f %9.3f %8.2f %10.3f %10.2f %12.2f %7d %6s%s\n",
                  r.scenario.substr(0, 28).c_str(), site::to_string(kind), k.curtailed_mwh,
                  k.lost_it_mwh, bound, g, k.freq_nadir_hz, k.import_ramp_max_mw_per_min,
                  k.contract_violation_s, k.turbine_starts,
                  failed ? ("FAIL " + std::to_string(failed)).c_str() : "ok",
                  sim::within_bound_target(r.not_delivered_mwh(), bound) ? "" : "  above 1.1x+0.5");
      if (kind == site::ControllerKind::kPlant) {
        plant_total += r.not_delivered_mwh();
        all_pass &= failed == 0;
      } else {
        baseline_total += r.not_delivered_mwh();
      }
    }
  }
  std::printf(
      "GPU energy not delivered over the set: this controller %.3f MWh, baseline %.3f MWh, "
      "perfect-foresight bound %.3f MWh",
      plant_total, baseline_total, bound_total);
  if (baseline_total > 0) std::printf(" (this / baseline %.2f)", plant_total / baseline_total);
  std::printf("\n");
  if (!all_pass) throw CLI::RuntimeError(1);
}

// The bound alone, with what it was computed from.
void print_bound(const BoundArgs& a) {
  const sim::ScenarioLoad loaded = load_or_exit(a.file, a.site);
  bound::BoundOptions options;
  options.interval_s = a.interval_s;
  options.hold_import_ramp = a.hold_import_ramp;
  const bound::BoundResult b =
      bound::perfect_foresight_bound(*loaded.scenario, *loaded.site, options);
  if (!b.solved) {
    std::cerr << "plantctl: no bound: " << b.problem << "\n";
    throw CLI::RuntimeError(1);
  }
  std::printf(
      "scenario %s on %s: perfect-foresight bound %.3f MWh of GPU energy not delivered, of %.3f "
      "MWh demanded (%.3f %%)\n"
      "  %d intervals of %.0f s%s; facility load no source could carry: %.3f MWh\n",
      loaded.scenario->name.c_str(), loaded.site->name.c_str(), b.not_delivered_mwh,
      b.it_demand_mwh, b.it_demand_mwh > 0 ? 100 * b.not_delivered_mwh / b.it_demand_mwh : 0.0,
      b.intervals, b.interval_s, a.hold_import_ramp ? ", import ramp limit held" : "",
      b.unserved_other_mwh);
  if (!a.json.empty()) {
    char text[512];
    std::snprintf(text, sizeof text,
                  "  \"bound_mwh\": %.6f,\n  \"it_demand_mwh\": "
                  "%.6f,\n  \"unserved_other_mwh\": %.6f,\n  \"intervals\": %d,\n  "
                  "\"interval_s\": %.3f,\n  \"hold_import_ramp\": %s\n}\n",
                  b.not_delivered_mwh, b.it_demand_mwh, b.unserved_other_mwh, b.intervals,
                  b.interval_s, a.hold_import_ramp ? "true" : "false");
    const std::string json_text =
        "{\n  \"scenario\": " + json::quote(loaded.scenario->name) + ",\n" + text;
    if (!write_file(a.json, json_text)) throw CLI::RuntimeError(1);
  }
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
  cmd->add_flag("--no-bound", args->no_bound,
                "Skip the perfect-foresight bound (it replays the scenario's demand and solves "
                "a linear program)");
  cmd->callback([args] { run(*args); });

  auto bargs = std::make_shared<BoundArgs>();
  CLI::App* bnd = group->add_subcommand(
      "bound",
      "The least GPU energy any controller could leave undelivered on a scenario, knowing its "
      "future (docs/bound.md)");
  bnd->add_option("FILE", bargs->file, "Scenario file (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  bnd->add_option("--site", bargs->site, "Site file instead of the scenario's")
      ->check(CLI::ExistingFile);
  bnd->add_option("--interval-s", bargs->interval_s,
                  "Length of the program's intervals (default 10 s, longer past 20,000 of them)")
      ->check(plant_cli::FiniteRange(1.0, 86400.0));
  bnd->add_flag("--hold-import-ramp", bargs->hold_import_ramp,
                "Hold the site's import ramp limit too: a bound for controllers that keep it");
  bnd->add_option("--json", bargs->json, "Write the bound as JSON");
  bnd->callback([bargs] { print_bound(*bargs); });

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmp = group->add_subcommand("compare",
                                        "Run scenarios with this controller and the baseline; exit "
                                        "1 if this one breaks an invariant");
  cmp->add_option("FILES", *files, "Scenario files (TOML)")->required()->check(CLI::ExistingFile);
  cmp->callback([files] { compare(*files); });
}

}  // namespace plantctl
