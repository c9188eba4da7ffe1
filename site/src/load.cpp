// The site file schema: which keys exist, their ranges, and cross-field checks.
// docs/configuration.md documents every key; keep the two in step.
#include "site/load.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "sections.hpp"
#include "site/toml_reader.hpp"

namespace site {
namespace {

constexpr Need kRequired = Need::kRequired;

// Upper bounds that no real site reaches; they catch W typed where MW was meant.
constexpr double kMaxSiteMw = 100000;
constexpr double kMaxUnitMw = 1000;
constexpr double kMaxWPerGpu = 5000;
constexpr double kMaxSeconds = 86400;
// A heat rate at or below this would be 100 % efficiency or better.
constexpr double kBtuPerKwhAtFullEfficiency = 3412.14;

const Choices<IslandGovernor> kGovernors = {{"isochronous", IslandGovernor::kIsochronous},
                                            {"droop", IslandGovernor::kDroop}};
const Choices<PriorityClass> kPriorities = {{"inference", PriorityClass::kInference},
                                            {"training", PriorityClass::kTraining},
                                            {"batch", PriorityClass::kBatch}};
const Choices<Workload> kWorkloads = {{"training", Workload::kTraining},
                                      {"inference", Workload::kInference},
                                      {"batch", Workload::kBatch}};

std::string quote(const std::string& s) {
  return "\"" + s + "\"";
}

// A non-empty name, unique among all turbine and pod groups (it names devices and logs).
void read_name(TomlReader& t, std::string& name, std::map<std::string, std::string>& used) {
  if (!t.string("name", name, kRequired) || !t.has("name")) return;
  if (name.empty()) {
    t.error("name", "must not be empty");
    return;
  }
  const auto [it, inserted] = used.emplace(name, t.path());
  if (!inserted) t.error("name", "name " + quote(name) + " is already used by " + it->second);
}

void read_site(TomlReader& root, Site& s) {
  auto t = root.table("site", kRequired);
  if (!t) return;
  if (t->string("name", s.name, kRequired) && t->has("name") && s.name.empty()) {
    t->error("name", "must not be empty");
  }
  t->string("description", s.description);
  t->finish();
}

// Returns whether nominal_frequency_hz is valid, for checks that depend on it.
bool read_grid(TomlReader& root, Grid& g) {
  auto t = root.table("grid", kRequired);
  if (!t) return false;
  t->number("import_contract_mw", g.import_contract_mw, Range::closed(0, kMaxSiteMw), kRequired);
  bool frequency_ok =
      t->number("nominal_frequency_hz", g.nominal_frequency_hz, Range::any(), kRequired);
  if (frequency_ok && g.nominal_frequency_hz != 50 && g.nominal_frequency_hz != 60) {
    t->error("nominal_frequency_hz",
             "must be 50 or 60; found " + format_number(g.nominal_frequency_hz));
    frequency_ok = false;
  }
  t->number("import_ramp_limit_mw_per_min", g.import_ramp_limit_mw_per_min,
            Range::left_open(0, kMaxSiteMw), kRequired);
  t->number("breaker_close_time_s", g.breaker_close_time_s, Range::closed(0, 10));
  t->number("sync_max_slip_hz", g.sync_max_slip_hz, Range::left_open(0, 1));
  t->number("undervoltage_trip_pu", g.undervoltage_trip_pu, Range::open(0, 1));
  t->number("undervoltage_trip_s", g.undervoltage_trip_s, Range::closed(0, 60));
  t->finish();
  return frequency_ok;
}

void read_island(TomlReader& root, Island& island) {
  auto t = root.table("island");
  if (!t) return;
  t->number("load_damping_pu", island.load_damping_pu, Range::closed(0, 10));
  t->choice("governor", island.governor, kGovernors);
  t->number("isochronous_gain_per_s", island.isochronous_gain_per_s, Range::left_open(0, 10));
  t->finish();
}

void read_turbine_groups(TomlReader& root, Site& s, bool frequency_ok,
                         std::map<std::string, std::string>& names) {
  long long units = 0;
  for (TomlReader& t : root.tables("turbine_group", kRequired)) {
    TurbineGroup g;
    read_name(t, g.name, names);
    const Range unit_count = Range::closed(1, kMaxTurbineUnits)
                                 .because("plantd's SCADA map serves at most " +
                                          std::to_string(kMaxTurbineUnits) + " units");
    const long long before = units;
    if (t.integer("count", g.count, unit_count) && (units += g.count) > kMaxTurbineUnits &&
        before <= kMaxTurbineUnits)
      t.error("count", "makes " + std::to_string(units) + " units in all; a site has at most " +
                           std::to_string(kMaxTurbineUnits) +
                           " (plantd's SCADA map has a block for each of units 0.." +
                           std::to_string(kMaxTurbineUnits - 1) + ")");
    t.number("rating_mw", g.rating_mw, Range::left_open(0, kMaxUnitMw), kRequired);
    if (t.number("min_stable_load_pu", g.min_stable_load_pu, Range::above(0)) &&
        g.min_stable_load_pu >= 1) {
      t.error("min_stable_load_pu", "minimum load " + format_number(g.min_stable_load_pu) +
                                        " pu is at or above the rating; must be < 1 (a fraction "
                                        "of rating_mw)");
    }
    t.number("ramp_rate_pu_per_min", g.ramp_rate_pu_per_min, Range::left_open(0, 10));
    const Range phase_s = Range::closed(0, 3600);
    t.number("purge_s", g.purge_s, phase_s);
    t.number("ignition_s", g.ignition_s, phase_s);
    t.number("acceleration_s", g.acceleration_s, phase_s);
    t.number("synchronisation_s", g.synchronisation_s, phase_s);
    t.number("cooldown_s", g.cooldown_s, Range::closed(0, kMaxSeconds));
    t.number("inertia_h_s", g.inertia_h_s, Range::left_open(0, 20));
    t.number("droop_pu", g.droop_pu, Range::left_open(0, 0.2));
    t.number("valve_time_constant_s", g.valve_time_constant_s, Range::left_open(0, 60));
    t.number("turbine_time_constant_s", g.turbine_time_constant_s, Range::left_open(0, 60));
    t.number("heat_rate_btu_per_kwh", g.heat_rate_btu_per_kwh,
             Range::left_open(kBtuPerKwhAtFullEfficiency, 30000)
                 .because("3,412 Btu/kWh is 100 % efficiency"));
    t.number("no_load_fuel_pu", g.no_load_fuel_pu, Range::right_open(0, 1));
    t.number("nox_ppm", g.nox_ppm, Range::closed(0, 1000));
    t.number("co2_kg_per_mmbtu", g.co2_kg_per_mmbtu, Range::closed(0, 150));
    t.number("fail_to_start_probability", g.fail_to_start_probability, Range::closed(0, 1));
    // Unit protection trips below nominal; under 80 % of nominal the unit is long gone.
    const Range trip_hz = frequency_ok ? Range::right_open(0.8 * s.grid.nominal_frequency_hz,
                                                           s.grid.nominal_frequency_hz)
                                             .because("below grid.nominal_frequency_hz")
                                       : Range::above(0);
    t.number("underfrequency_trip_hz", g.underfrequency_trip_hz, trip_hz);
    t.number("underfrequency_trip_s", g.underfrequency_trip_s, Range::closed(0, 60));
    t.finish();
    s.turbine_groups.push_back(std::move(g));
  }
}

// [pod_group.ups]: the group's ride-through of grid voltage dips.
void read_pod_ups(TomlReader& group, PodUps& u) {
  auto t = group.table("ups");
  if (!t) return;
  t->boolean("enabled", u.enabled);
  t->number("psu_hold_up_s", u.psu_hold_up_s,
            Range::closed(0, 1).because("PSU hold-up times are tens of milliseconds"));
  const bool transfer_ok = t->number("transfer_below_pu", u.transfer_below_pu, Range::closed(0, 1));
  const bool dip_ok = t->number("dip_threshold_pu", u.dip_threshold_pu, Range::open(0, 1));
  if (transfer_ok && dip_ok && u.transfer_below_pu > u.dip_threshold_pu)
    t->error("transfer_below_pu", "transfer_below_pu " + format_number(u.transfer_below_pu) +
                                      " is above dip_threshold_pu " +
                                      format_number(u.dip_threshold_pu) +
                                      ": a voltage that transfers the group must count as a dip");
  t->integer("transfer_after_dips", u.transfer_after_dips,
             Range::closed(0, kMaxUpsDips)
                 .because("0 switches the count rule off; the UPS remembers at most " +
                          std::to_string(kMaxUpsDips) + " dips"));
  t->number("dip_window_s", u.dip_window_s, Range::left_open(0, 3600));
  t->number("battery_s", u.battery_s,
            Range::left_open(0, kMaxSeconds).because("seconds at the group's compute power"));
  t->number("return_delay_s", u.return_delay_s, Range::closed(0, kMaxSeconds));
  t->number("return_stagger_s", u.return_stagger_s, Range::closed(0, 3600));
  t->number("recharge_pu", u.recharge_pu,
            Range::left_open(0, 1).because("of the group's compute power; 0 would never refill"));
  t->finish();
}

struct JobSeen {
  double iteration_period_s;
  std::string where;
};

void read_pod_groups(TomlReader& root, Site& s, std::map<std::string, std::string>& names) {
  std::map<std::string, JobSeen> jobs;
  long long pods = 0;
  for (TomlReader& t : root.tables("pod_group", kRequired)) {
    PodGroup g;
    read_name(t, g.name, names);
    const long long before = pods;
    if (t.integer("count", g.count,
                  Range::closed(1, kMaxPods)
                      .because("a pod group needs at least one pod, and a site has at most " +
                               std::to_string(kMaxPods)),
                  kRequired) &&
        (pods += g.count) > kMaxPods && before <= kMaxPods)
      t.error("count", "makes " + std::to_string(pods) + " pods in all; a site has at most " +
                           std::to_string(kMaxPods) +
                           " (what plantsim and plantd --sim step in "
                           "real time; docs/configuration.md)");
    t.integer("gpus_per_pod", g.gpus_per_pod, Range::closed(1, 100000), kRequired);
    t.choice("priority", g.priority, kPriorities, kRequired);
    const bool workload_ok = t.choice("workload", g.workload, kWorkloads, kRequired);

    const Range watts = Range::closed(0, kMaxWPerGpu);
    const bool compute_ok = t.number("compute_w_per_gpu", g.compute_w_per_gpu,
                                     Range::left_open(0, kMaxWPerGpu), kRequired);
    const bool communication_ok =
        t.number("communication_w_per_gpu", g.communication_w_per_gpu, watts, kRequired);
    const bool idle_ok = t.number("idle_w_per_gpu", g.idle_w_per_gpu, watts, kRequired);
    const bool floor_ok = t.number("min_cap_w_per_gpu", g.min_cap_w_per_gpu, watts, kRequired);
    const auto w = [](double v) { return format_number(v) + " W"; };
    if (compute_ok && communication_ok && g.communication_w_per_gpu > g.compute_w_per_gpu) {
      t.error("communication_w_per_gpu",
              "communication power " + w(g.communication_w_per_gpu) + " is above compute power " +
                  w(g.compute_w_per_gpu) +
                  " (compute_w_per_gpu); need idle <= communication <= compute");
    }
    if (communication_ok && idle_ok && g.idle_w_per_gpu > g.communication_w_per_gpu) {
      t.error("idle_w_per_gpu",
              "idle power " + w(g.idle_w_per_gpu) + " is above communication power " +
                  w(g.communication_w_per_gpu) + "; need idle <= communication <= compute");
    }
    if (floor_ok && compute_ok && g.min_cap_w_per_gpu > g.compute_w_per_gpu) {
      t.error("min_cap_w_per_gpu", "floor " + w(g.min_cap_w_per_gpu) + " is above compute power " +
                                       w(g.compute_w_per_gpu) +
                                       " (compute_w_per_gpu): a cap floor must not exceed "
                                       "what the pod draws uncapped");
    } else if (floor_ok && idle_ok && g.min_cap_w_per_gpu < g.idle_w_per_gpu) {
      t.error("min_cap_w_per_gpu", "floor " + w(g.min_cap_w_per_gpu) + " is below idle power " +
                                       w(g.idle_w_per_gpu) +
                                       " (idle_w_per_gpu): no cap takes a pod below idle");
    }

    const bool job_ok = t.string("job", g.job);
    // Swings at 0.2-3 Hz (BRIEF §3): periods from 1/3 s to 5 s.
    const bool period_ok =
        t.number("iteration_period_s", g.iteration_period_s,
                 Range::closed(1.0 / 3.0, 5).because("training swings are 0.2-3 Hz"));
    t.number("compute_fraction", g.compute_fraction, Range::left_open(0, 1));
    const bool interval_ok =
        t.number("checkpoint_interval_s", g.checkpoint_interval_s, Range::closed(0, kMaxSeconds));
    const bool length_ok =
        t.number("checkpoint_length_s", g.checkpoint_length_s, Range::closed(0, kMaxSeconds));
    if (interval_ok && length_ok && g.checkpoint_interval_s > 0 &&
        g.checkpoint_length_s >= g.checkpoint_interval_s) {
      t.error("checkpoint_length_s", "must be shorter than checkpoint_interval_s (" +
                                         format_number(g.checkpoint_interval_s) + " s); found " +
                                         format_number(g.checkpoint_length_s));
    }
    t.number("job_ramp_s", g.job_ramp_s, Range::closed(0, 3600));
    t.number("cap_actuation_lag_s", g.cap_actuation_lag_s, Range::closed(0, 60));
    t.number("inference_utilisation_pu", g.inference_utilisation_pu, Range::closed(0, 1));
    t.boolean("starts_running", g.starts_running);
    read_pod_ups(t, g.ups);

    if (workload_ok && job_ok) {
      if (g.workload != Workload::kTraining && t.has("job")) {
        t.error("job", std::string("only training pods belong to a job; workload is ") +
                           quote(to_string(g.workload)));
      } else if (g.workload == Workload::kTraining && g.job.empty()) {
        t.error("job", t.has("job") ? "must not be empty"
                                    : "required when workload = \"training\": it says which "
                                      "pods swing together");
      } else if (g.workload == Workload::kTraining && period_ok) {
        const auto [it, inserted] = jobs.emplace(g.job, JobSeen{g.iteration_period_s, t.path()});
        if (!inserted && it->second.iteration_period_s != g.iteration_period_s) {
          t.error(t.has("iteration_period_s") ? "iteration_period_s" : "job",
                  "job " + quote(g.job) + " has iteration_period_s " +
                      format_number(it->second.iteration_period_s) + " in " + it->second.where +
                      "; pods of one job swing together and must share it; found " +
                      format_number(g.iteration_period_s));
        }
      }
    }
    t.finish();
    s.pod_groups.push_back(std::move(g));
  }
}

void read_facility(TomlReader& root, Facility& f) {
  auto t = root.table("facility");
  if (!t) return;
  t->number("conversion_loss_pu", f.conversion_loss_pu, Range::closed(0, 0.5));
  t->number("cooling_pu", f.cooling_pu, Range::closed(0, 2));
  t->number("cooling_time_constant_s", f.cooling_time_constant_s, Range::closed(0, 3600));
  t->number("fixed_mw", f.fixed_mw, Range::closed(0, kMaxSiteMw));
  t->finish();
}

void read_battery(TomlReader& root, Site& s) {
  auto t = root.table("battery");
  if (!t) return;
  s.has_battery = true;
  Battery& b = s.battery;
  t->number("power_mw", b.power_mw, Range::left_open(0, kMaxSiteMw), kRequired);
  t->number("energy_mwh", b.energy_mwh, Range::left_open(0, 100 * kMaxSiteMw), kRequired);
  t->number("round_trip_efficiency_pu", b.round_trip_efficiency_pu, Range::left_open(0, 1));
  const bool min_ok = t->number("soc_min_pu", b.soc_min_pu, Range::right_open(0, 1));
  const bool max_ok = t->number("soc_max_pu", b.soc_max_pu, Range::left_open(0, 1));
  const bool initial_ok = t->number("initial_soc_pu", b.initial_soc_pu, Range::closed(0, 1));
  t->number("response_time_constant_s", b.response_time_constant_s, Range::closed(0, 60));
  t->boolean("grid_forming", b.grid_forming);
  t->number("virtual_inertia_h_s", b.virtual_inertia_h_s, Range::left_open(0, 20));
  t->number("droop_pu", b.droop_pu, Range::left_open(0, 0.2));
  if (min_ok && max_ok && b.soc_min_pu >= b.soc_max_pu) {
    t->error(t->has("soc_max_pu") ? "soc_max_pu" : "soc_min_pu",
             "soc_min_pu (" + format_number(b.soc_min_pu) + ") must be below soc_max_pu (" +
                 format_number(b.soc_max_pu) + ")");
  } else if (min_ok && max_ok && initial_ok &&
             (b.initial_soc_pu < b.soc_min_pu || b.initial_soc_pu > b.soc_max_pu)) {
    t->error("initial_soc_pu",
             "must be within [soc_min_pu, soc_max_pu] = [" + format_number(b.soc_min_pu) + ", " +
                 format_number(b.soc_max_pu) + "]; found " + format_number(b.initial_soc_pu));
  }
  t->finish();
}

void read_permit(TomlReader& root, Permit& p) {
  auto t = root.table("permit", kRequired);
  if (!t) return;
  t->integer("max_units_running", p.max_units_running,
             Range::closed(1, 10000).because("0 is a permit that allows no unit to run"),
             kRequired);
  const Range per_year =
      Range::closed(1, 1000000).because("0 is a permit that allows no unit to start or stop");
  t->integer("starts_per_unit_per_year", p.starts_per_unit_per_year, per_year, kRequired);
  t->integer("shutdowns_per_unit_per_year", p.shutdowns_per_unit_per_year, per_year, kRequired);
  t->number("nox_cap_short_tons_per_12_months", p.nox_cap_short_tons_per_12_months, Range::above(0),
            kRequired);
  t->finish();
}

}  // namespace

LoadResult load_site_string(std::string_view toml_text, const std::string& path) {
  LoadResult result;
  std::optional<toml::table> root = parse_toml(toml_text, path, result.errors);
  if (!root) return result;

  Site s;
  s.source_path = path;
  TomlReader r(*root, path, result.errors);
  std::map<std::string, std::string> names;  // group name -> where first used
  read_site(r, s);
  const bool frequency_ok = read_grid(r, s.grid);
  read_island(r, s.island);
  read_turbine_groups(r, s, frequency_ok, names);
  read_pod_groups(r, s, names);
  read_facility(r, s.facility);
  read_battery(r, s);
  read_permit(r, s.permit);
  read_modbus(r, s);
  read_scada(r, s.scada, s.grid.import_contract_mw);
  read_alarms(r, s.alarms);
  read_redundancy(r, s.redundancy);
  read_controller(r, s.controller);
  r.finish();

  // Sections are read in a fixed order; report in file order.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::make_pair(a.line, a.column) < std::make_pair(b.line, b.column);
                   });
  if (result.errors.empty()) result.site = std::move(s);
  return result;
}

LoadResult load_site_file(const std::string& path) {
  LoadResult result;
  std::optional<std::string> text = read_text_file(path, kSiteFile, result.errors);
  if (!text) return result;
  return load_site_string(*text, path);
}

}  // namespace site
