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
  t->number("export_limit_mw", g.export_limit_mw, Range::closed(0, kMaxSiteMw));
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
  t->number("undervoltage_trip_s", island.undervoltage_trip_s, Range::closed(0.01, 10));
  t->finish();
}

// GGOV1-style valve rate limits and load (temperature) limiter.
void read_turbine_governor(TomlReader& t, TurbineGroup& g) {
  const Range rate = Range::left_open(0, 10).because("pu of rating per second");
  t.number("valve_open_rate_pu_per_s", g.valve_open_rate_pu_per_s, rate);
  t.number("valve_close_rate_pu_per_s", g.valve_close_rate_pu_per_s, rate);
  // The default 1 is above any valid minimum load; a given one must be too.
  if (t.number("load_limit_pu", g.load_limit_pu, Range::left_open(0, 1)) &&
      t.has("load_limit_pu") && g.min_stable_load_pu < 1 && g.load_limit_pu < g.min_stable_load_pu)
    t.error("load_limit_pu",
            "load limit " + format_number(g.load_limit_pu) + " pu is below min_stable_load_pu " +
                format_number(g.min_stable_load_pu) + "; the unit could not hold its minimum load");
  t.number("load_limit_time_constant_s", g.load_limit_time_constant_s, Range::left_open(0, 60));
  t.number("load_limit_kp", g.load_limit_kp, Range::closed(0, 100));
  t.number("load_limit_ki_per_s", g.load_limit_ki_per_s, Range::left_open(0, 100));
}

// Over-speed trips at once; over-frequency after a delay (the under-frequency pair's twin).
void read_turbine_protection(TomlReader& t, TurbineGroup& g, const Site& s, bool frequency_ok) {
  t.number("overspeed_trip_pu", g.overspeed_trip_pu,
           Range::left_open(1, 1.3).because("above rated speed, at most 130 %"));
  if (frequency_ok && !t.has("overfrequency_trip_hz"))
    g.overfrequency_trip_hz *= s.grid.nominal_frequency_hz / 60.0;
  const Range trip_hz = frequency_ok ? Range::left_open(s.grid.nominal_frequency_hz,
                                                        1.2 * s.grid.nominal_frequency_hz)
                                           .because("above grid.nominal_frequency_hz")
                                     : Range::above(0);
  t.number("overfrequency_trip_hz", g.overfrequency_trip_hz, trip_hz);
  t.number("overfrequency_trip_s", g.overfrequency_trip_s, Range::closed(0, 60));
}

// The quadratic fuel curve through no-load fuel, full-load fuel and the half-load heat
// rate must rise with load: F'(p) = b + 2 c p > 0 on [0, 1] bounds the half-load ratio.
void read_turbine_emissions(TomlReader& t, TurbineGroup& g) {
  // Checked given or not: a no_load_fuel_pu far from 0.2 can rule out the default.
  if (t.number("heat_rate_half_load_pu", g.heat_rate_half_load_pu, Range::closed(1, 3))) {
    const double nl = g.no_load_fuel_pu;
    const double lo = (1 + 3 * nl) / 2, hi = (3 + nl) / 2;
    if (!(g.heat_rate_half_load_pu > lo && g.heat_rate_half_load_pu < hi))
      t.error("heat_rate_half_load_pu",
              format_number(g.heat_rate_half_load_pu) +
                  (t.has("heat_rate_half_load_pu") ? "" : " (the default)") +
                  " makes fuel fall as load rises somewhere in [0, 1]; with no_load_fuel_pu " +
                  format_number(nl) + " it must lie in (" + format_number(lo) + ", " +
                  format_number(hi) + ")");
  }
  t.number("low_nox_min_load_pu", g.low_nox_min_load_pu, Range::closed(0, 1));
  t.number("part_load_nox_ppm", g.part_load_nox_ppm, Range::closed(0, 1000));
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
    // The frequency defaults are for 60 Hz; on a 50 Hz grid they scale with nominal.
    if (frequency_ok && !t.has("underfrequency_trip_hz"))
      g.underfrequency_trip_hz *= s.grid.nominal_frequency_hz / 60.0;
    t.number("underfrequency_trip_hz", g.underfrequency_trip_hz, trip_hz);
    t.number("underfrequency_trip_s", g.underfrequency_trip_s, Range::closed(0, 60));
    t.boolean("black_start", g.black_start);
    t.number("short_time_current_pu", g.short_time_current_pu,
             Range::closed(1, 5).because("of rating: a stator carries at least its rating"));
    read_turbine_governor(t, g);
    read_turbine_protection(t, g, s, frequency_ok);
    read_turbine_emissions(t, g);
    t.finish();
    s.turbine_groups.push_back(std::move(g));
  }
}

// A training pod's power edges (sim/pods.hpp). Half a second is far beyond any
// measured GPU edge; it catches milliseconds typed as seconds.
bool read_edges(TomlReader& t, PodGroup& g) {
  const Range edge = Range::closed(0, 0.5).because("a GPU power edge lasts milliseconds");
  const bool rise_ok = t.number("gpu_power_edge_s", g.gpu_power_edge_s, edge);
  const bool spread_ok = t.number("gpu_edge_spread_s", g.gpu_edge_spread_s, edge);
  return rise_ok && spread_ok;
}

// A pod's edge (ramp + spread) must end before the next one starts: every phase of
// the iteration, and a checkpoint and the time between two, lasts at least one edge.
void check_edge_fits(TomlReader& t, const PodGroup& g) {
  const double edge_s = g.gpu_power_edge_s + g.gpu_edge_spread_s;
  double shortest_s = g.compute_fraction * g.iteration_period_s;
  std::string which = "the compute phase (compute_fraction x iteration_period_s)";
  const auto consider = [&](double phase_s, const char* name) {
    if (phase_s < shortest_s) shortest_s = phase_s, which = name;
  };
  if (g.compute_fraction < 1)
    consider((1 - g.compute_fraction) * g.iteration_period_s,
             "the communication phase ((1 - compute_fraction) x iteration_period_s)");
  if (g.checkpoint_interval_s > 0 && g.checkpoint_length_s > 0) {
    consider(g.checkpoint_length_s, "a checkpoint (checkpoint_length_s)");
    consider(g.checkpoint_interval_s - g.checkpoint_length_s,
             "the time between checkpoints (checkpoint_interval_s - checkpoint_length_s)");
  }
  if (edge_s > shortest_s) {
    t.error(
        t.has("gpu_edge_spread_s") ? "gpu_edge_spread_s" : "gpu_power_edge_s",
        "the pod's power edge, gpu_power_edge_s + gpu_edge_spread_s = " + format_number(edge_s) +
            " s, must fit inside " + which + ", " + format_number(shortest_s) + " s");
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
    // Swings at 0.2-3 Hz (arXiv 2508.14318): periods from 1/3 s to 5 s.
    const bool period_ok =
        t.number("iteration_period_s", g.iteration_period_s,
                 Range::closed(1.0 / 3.0, 5).because("training swings are 0.2-3 Hz"));
    const bool fraction_ok =
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
    const bool edges_ok = read_edges(t, g);
    if (edges_ok && period_ok && fraction_ok && interval_ok && length_ok &&
        g.workload == Workload::kTraining)
      check_edge_fits(t, g);
    t.number("cap_actuation_lag_s", g.cap_actuation_lag_s, Range::closed(0, 60));
    t.number("inference_utilisation_pu", g.inference_utilisation_pu, Range::closed(0, 1));
    t.boolean("starts_running", g.starts_running);
    t.number("power_on_delay_s", g.power_on_delay_s, Range::closed(0, kMaxSeconds));
    t.number("power_on_stagger_s", g.power_on_stagger_s, Range::closed(0, kMaxSeconds));
    t.number("job_restart_s", g.job_restart_s, Range::closed(0, kMaxSeconds));
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
  t->number("cooling_frequency_dependent_pu", f.cooling_frequency_dependent_pu,
            Range::closed(0, 1));
  t->finish();
}

// The inverter's trip settings: below and above nominal, within the range
// IEEE 1547-2018 Table 19 allows (50-59 Hz and 61-66 Hz on 60 Hz, per unit on 50 Hz).
void read_battery_protection(TomlReader& t, Battery& b, double f0, bool frequency_ok) {
  if (frequency_ok && f0 != 60) {  // the defaults, per unit of nominal
    b.underfrequency_trip_hz *= f0 / 60;
    b.overfrequency_trip_hz *= f0 / 60;
  }
  const Range under =
      frequency_ok
          ? Range::closed(f0 * 50 / 60, f0 * 59 / 60).because("IEEE 1547-2018 Table 19's range")
          : Range::above(0);
  const Range over =
      frequency_ok
          ? Range::closed(f0 * 61 / 60, f0 * 66 / 60).because("IEEE 1547-2018 Table 19's range")
          : Range::above(0);
  const Range clearing = Range::closed(0.16, 1000).because("IEEE 1547-2018 Table 19's range");
  t.number("underfrequency_trip_hz", b.underfrequency_trip_hz, under);
  t.number("underfrequency_trip_s", b.underfrequency_trip_s, clearing);
  t.number("overfrequency_trip_hz", b.overfrequency_trip_hz, over);
  t.number("overfrequency_trip_s", b.overfrequency_trip_s, clearing);
  t.number("enter_service_delay_s", b.enter_service_delay_s, Range::closed(0, kMaxSeconds));
}

void read_battery(TomlReader& root, Site& s, bool frequency_ok) {
  auto t = root.table("battery");
  if (!t) return;
  s.has_battery = true;
  Battery& b = s.battery;
  read_battery_protection(*t, b, s.grid.nominal_frequency_hz, frequency_ok);
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

// "MM-DD": a day every year has (29 February is not one).
void read_year_start(TomlReader& t, Permit& p) {
  std::string text;
  if (!t.has("year_start") || !t.string("year_start", text)) return;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  const bool shaped =
      text.size() == 5 && text[2] == '-' && digit(0) && digit(1) && digit(3) && digit(4);
  const int month = shaped ? (text[0] - '0') * 10 + (text[1] - '0') : 0;
  const int day = shaped ? (text[3] - '0') * 10 + (text[4] - '0') : 0;
  if (!shaped || month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) {
    t.error("year_start",
            "must be \"MM-DD\", a day every year has (e.g. \"07-02\"); found \"" + text + "\"");
    return;
  }
  p.year_start_month = month;
  p.year_start_day = day;
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
  read_year_start(*t, p);
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
  read_battery(r, s, frequency_ok);
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
