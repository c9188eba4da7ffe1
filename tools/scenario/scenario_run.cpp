#include "scenario_run.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "run_monitor.hpp"
#include "sim/plant.hpp"
#include "sim/scenario_player.hpp"
#include "sim_io.hpp"

namespace scenario {

bool RunResult::all_pass() const {
  for (const Invariant& i : invariants)
    if (!i.pass) return false;
  return true;
}

RunResult run_scenario(const sim::Scenario& scenario, const site::Site& site_in,
                       const RunOptions& options) {
  site::Site site = site_in;
  if (scenario.controller) site.controller.kind = *scenario.controller;
  if (options.controller) site.controller.kind = *options.controller;

  RunResult result;
  result.scenario = scenario.name;
  result.site = site.name;
  result.controller = site.controller.kind;
  result.duration_s = scenario.duration_s;

  sim::Plant plant(site, sim::PlantOptions{scenario.step_s, scenario.seed});
  sim::ScenarioPlayer player(plant, scenario);
  player.initialise();
  hal::SimIo io(plant);
  hal::ProcessImage image(site);
  hal::Commands commands(site);
  fw::PermitUsage usage;
  usage.starts.assign(static_cast<size_t>(plant.turbine_count()),
                      scenario.permit_usage.starts_per_unit);
  usage.stops.assign(static_cast<size_t>(plant.turbine_count()),
                     scenario.permit_usage.stops_per_unit);
  usage.nox_kg = scenario.permit_usage.nox_short_tons * 907.18474;
  fw::Controller controller(site, usage);
  RunMonitor monitor(plant, scenario);

  const long long scan_steps =
      std::max(1LL, std::llround(site.controller.scan_period_s / scenario.step_s));
  const long long csv_steps =
      options.csv_interval_s > 0
          ? std::max(1LL, std::llround(options.csv_interval_s / scenario.step_s))
          : 0;
  if (csv_steps)
    result.csv =
        "time_s,mode,import_mw,site_load_mw,turbines_mw,units_online,battery_mw,battery_soc_pu,"
        "frequency_hz,it_mw,curtailed_mw,shed_target_mw\n";
  const long long steps = std::llround(scenario.duration_s / scenario.step_s);
  const long long progress_every = std::max(1LL, steps / 100);
  std::size_t events_logged = 0;
  const auto wall_start = std::chrono::steady_clock::now();
  fw::OperatorInputs op;
  for (long long i = 0; i < steps; ++i) {
    player.apply_due();
    for (; events_logged < player.applied().size(); ++events_logged) {
      const sim::AppliedEvent& applied = player.applied()[events_logged];
      result.log.push_back("scenario event " + applied.text);
      // Operator requests reach the controller at its next scan.
      if (applied.event->type == sim::EventType::kOperatorManual) op.manual_request = true;
      if (applied.event->type == sim::EventType::kOperatorAuto) op.auto_request = true;
    }
    plant.step();
    // The scan reads the plant as the last step left it.
    if (i % scan_steps == 0) {
      const double now = plant.time_s();
      io.read(image, now);
      controller.step(image, op, now, commands);
      op = fw::OperatorInputs{};
      io.write(commands, now);
      fw::EventLog& log = controller.log();
      for (std::size_t k = 0; k < log.size(); ++k)
        result.log.push_back(fw::describe(log.at(k)));
      log.clear();
      for (int k = 0; k < io.refusal_count(); ++k) {
        const hal::WriteRefusal& w = io.refusal(k);
        char text[160];
        std::snprintf(text, sizeof text, "t=%.2f s %s %d refused %s = %.3f: %s", now, w.device_kind,
                      w.index, w.what, w.value, w.reason);
        result.log.push_back(text);
      }
      io.clear_refusals();
    }
    monitor.observe(plant, controller.status().shed_mw);
    if (csv_steps && (i + 1) % csv_steps == 0) {
      const sim::PlantState& s = plant.state();
      char row[256];
      std::snprintf(row, sizeof row, "%.2f,%s,%.3f,%.3f,%.3f,%d,%.3f,%.4f,%.4f,%.3f,%.3f,%.3f\n",
                    plant.time_s(), fw::to_string(controller.status().mode), s.import_mw,
                    s.load_mw + s.losses_mw, s.generation_mw, s.units_online, s.battery_mw,
                    plant.battery() ? plant.battery()->soc_pu() : 0.0, s.frequency_hz, s.it_mw,
                    plant.pods().curtailed_mw(), controller.status().shed_mw);
      result.csv += row;
    }
    if (options.progress && i % progress_every == 0)
      options.progress(static_cast<double>(i) / static_cast<double>(steps));
  }
  if (controller.log().dropped() > 0)
    result.log.push_back("controller log dropped " + std::to_string(controller.log().dropped()) +
                         " entries (ring full within one scan)");
  result.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  monitor.finish(plant, result);
  return result;
}

std::string to_json(const RunResult& r) {
  const Kpis& k = r.kpis;
  char head[2048];
  std::snprintf(
      head, sizeof head,
      "{\n  \"scenario\": \"%s\",\n  \"site\": \"%s\",\n  \"controller\": \"%s\",\n"
      "  \"duration_s\": %.3f,\n  \"curtailed_mwh\": %.6f,\n  \"curtailed_pct\": %.6f,\n"
      "  \"contract_violation_s\": %.3f,\n  \"contract_violation_max_run_s\": %.3f,\n"
      "  \"freq_nadir_hz\": %.6f,\n  \"freq_peak_hz\": %.6f,\n  \"import_ramp_max_mw_per_min\": "
      "%.6f,\n"
      "  \"turbine_starts\": %d,\n  \"fuel_mmbtu\": %.6f,\n  \"co2_t\": %.6f,\n  \"nox_t\": %.6f,\n"
      "  \"smoothing_mwh\": %.6f,\n  \"unserved_mwh\": %.6f,\n  \"blackout_s\": %.3f,\n"
      "  \"unneeded_shed_s\": %.3f,\n  \"all_pass\": %s,\n  \"invariants\": [\n",
      r.scenario.c_str(), r.site.c_str(), site::to_string(r.controller), r.duration_s,
      k.curtailed_mwh, k.curtailed_pct, k.contract_violation_s, k.contract_violation_max_run_s,
      k.freq_nadir_hz, k.freq_peak_hz, k.import_ramp_max_mw_per_min, k.turbine_starts, k.fuel_mmbtu,
      k.co2_t, k.nox_t, k.smoothing_mwh, k.unserved_mwh, k.blackout_s, k.unneeded_shed_s,
      r.all_pass() ? "true" : "false");
  std::string out = head;
  for (std::size_t i = 0; i < r.invariants.size(); ++i) {
    const Invariant& inv = r.invariants[i];
    std::string detail;
    for (char c : inv.detail) {
      if (c == '"' || c == '\\') detail += '\\';
      detail += c;
    }
    out += "    {\"name\": \"" + inv.name + "\", \"pass\": " + (inv.pass ? "true" : "false") +
           ", \"detail\": \"" + detail + "\"}" + (i + 1 < r.invariants.size() ? ",\n" : "\n");
  }
  out += "  ]\n}\n";
  return out;
}

}  // namespace scenario
