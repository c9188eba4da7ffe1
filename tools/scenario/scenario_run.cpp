#include "scenario_run.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "sim/plant.hpp"
#include "sim/run_monitor.hpp"
#include "sim/scenario_player.hpp"
#include "sim_io.hpp"
#include "site/permit_pace.hpp"

namespace scenario {

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
  usage.nox_kg = scenario.permit_usage.nox_short_tons * site::kKgPerShortTon;
  usage.year_elapsed_s = scenario.permit_usage.day_of_year * site::kSecondsPerDay;
  fw::Controller controller(site, usage);
  sim::RunMonitor monitor(plant, scenario);

  const long long scan_steps =
      std::max(1LL, std::llround(site.controller.scan_period_s / scenario.step_s));
  const long long csv_steps =
      options.csv_interval_s > 0
          ? std::max(1LL, std::llround(options.csv_interval_s / scenario.step_s))
          : 0;
  if (csv_steps) {
    result.csv =
        "time_s,mode,import_mw,site_load_mw,turbines_mw,units_online,battery_mw,battery_soc_pu,"
        "frequency_hz,it_mw,curtailed_mw,shed_target_mw";
    // GPU load and caps in force by priority class, then each unit's electrical
    // output (what its generator gives the bus), then its mechanical power.
    for (const char* c : {"inference", "training", "batch"})
      result.csv += std::string(",it_") + c + "_mw";
    for (const char* c : {"inference", "training", "batch"})
      result.csv += std::string(",cap_") + c + "_mw";
    for (int u = 0; u < plant.turbine_count(); ++u)
      result.csv += ",unit_" + std::to_string(u) + "_mw";
    for (int u = 0; u < plant.turbine_count(); ++u)
      result.csv += ",unit_" + std::to_string(u) + "_mechanical_mw";
    result.csv +=
        ",unserved_mw,bus_voltage_pu,pods_on_ups,ups_mw,dark_pods,booting_pods,lost_it_mw\n";
  }
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
      std::snprintf(row, sizeof row, "%.2f,%s,%.3f,%.3f,%.3f,%d,%.3f,%.4f,%.4f,%.3f,%.3f,%.3f",
                    plant.time_s(), fw::to_string(controller.status().mode), s.import_mw,
                    s.load_mw + s.losses_mw, s.generation_mw, s.units_online, s.battery_mw,
                    plant.battery() ? plant.battery()->soc_pu() : 0.0, s.frequency_hz, s.it_mw,
                    plant.pods().curtailed_mw(), controller.status().shed_mw);
      result.csv += row;
      const sim::PodFleet& pods = plant.pods();
      double it_mw[3] = {0, 0, 0}, cap_mw[3] = {0, 0, 0};
      for (int p = 0; p < pods.size(); ++p) {
        const auto c = static_cast<std::size_t>(pods.priority(p));
        it_mw[c] += pods.power_mw(p);
        cap_mw[c] += pods.cap_mw(p);
      }
      for (const double v : it_mw)
        result.csv += "," + std::to_string(v);
      for (const double v : cap_mw)
        result.csv += "," + std::to_string(v);
      for (int u = 0; u < plant.turbine_count(); ++u)
        result.csv += "," + std::to_string(plant.turbine(u).electrical_mw());
      for (int u = 0; u < plant.turbine_count(); ++u)
        result.csv += "," + std::to_string(plant.turbine(u).mechanical_mw());
      result.csv += "," + std::to_string(s.unserved_mw) + "," + std::to_string(s.voltage_pu) + "," +
                    std::to_string(s.pods_on_ups) + "," + std::to_string(s.ups_mw) + "," +
                    std::to_string(s.dark_pods) + "," + std::to_string(s.booting_pods) + "," +
                    std::to_string(s.lost_it_mw) + "\n";
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

}  // namespace scenario
