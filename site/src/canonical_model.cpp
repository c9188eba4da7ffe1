// The site model as canonical text, for a hot-standby pair's site fingerprint
// (docs/operations.md). Every field of the model that shapes the device map or
// the control, in a fixed order, numbers as %.17g (exactly as held). [scada] and
// [redundancy] are each node's own (its SCADA port and allowlist, its key file's
// path) and are left out; so are the description and the file's path. A field
// added to the model and not here is a field the pair does not compare: the
// unit test of the fingerprint changes one field of each section.
#include <cstdio>
#include <string>

#include "site/site.hpp"

namespace site {
namespace {

class Writer {
 public:
  void num(const char* key, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    line(key, buf);
  }
  void text(const char* key, const std::string& v) {
    // Length first: no value can be mistaken for the next line.
    line(key, std::to_string(v.size()) + ":" + v);
  }
  void flag(const char* key, bool v) { line(key, v ? "true" : "false"); }
  void prefix(const std::string& p) { prefix_ = p; }
  std::string out;

 private:
  void line(const char* key, const std::string& v) {
    out += prefix_;
    out += key;
    out += '=';
    out += v;
    out += '\n';
  }
  std::string prefix_;
};

}  // namespace

std::string canonical_model(const Site& s) {
  Writer w;
  w.prefix("site.");
  w.text("name", s.name);
  const Grid& g = s.grid;
  w.prefix("grid.");
  w.num("import_contract_mw", g.import_contract_mw);
  w.num("nominal_frequency_hz", g.nominal_frequency_hz);
  w.num("import_ramp_limit_mw_per_min", g.import_ramp_limit_mw_per_min);
  w.num("export_limit_mw", g.export_limit_mw);
  w.num("breaker_close_time_s", g.breaker_close_time_s);
  w.num("sync_max_slip_hz", g.sync_max_slip_hz);
  w.num("undervoltage_trip_pu", g.undervoltage_trip_pu);
  w.num("undervoltage_trip_s", g.undervoltage_trip_s);
  w.prefix("island.");
  w.num("load_damping_pu", s.island.load_damping_pu);
  w.text("governor", to_string(s.island.governor));
  w.num("isochronous_gain_per_s", s.island.isochronous_gain_per_s);
  w.num("undervoltage_trip_s", s.island.undervoltage_trip_s);
  for (std::size_t i = 0; i < s.turbine_groups.size(); ++i) {
    const TurbineGroup& t = s.turbine_groups[i];
    w.prefix("turbine." + std::to_string(i) + ".");
    w.text("name", t.name);
    w.num("count", t.count);
    w.num("rating_mw", t.rating_mw);
    w.num("min_stable_load_pu", t.min_stable_load_pu);
    w.num("ramp_rate_pu_per_min", t.ramp_rate_pu_per_min);
    w.num("purge_s", t.purge_s);
    w.num("ignition_s", t.ignition_s);
    w.num("acceleration_s", t.acceleration_s);
    w.num("synchronisation_s", t.synchronisation_s);
    w.num("cooldown_s", t.cooldown_s);
    w.num("inertia_h_s", t.inertia_h_s);
    w.num("droop_pu", t.droop_pu);
    w.num("valve_time_constant_s", t.valve_time_constant_s);
    w.num("turbine_time_constant_s", t.turbine_time_constant_s);
    w.num("heat_rate_btu_per_kwh", t.heat_rate_btu_per_kwh);
    w.num("no_load_fuel_pu", t.no_load_fuel_pu);
    w.num("nox_ppm", t.nox_ppm);
    w.num("co2_kg_per_mmbtu", t.co2_kg_per_mmbtu);
    w.num("fail_to_start_probability", t.fail_to_start_probability);
    w.num("underfrequency_trip_hz", t.underfrequency_trip_hz);
    w.num("underfrequency_trip_s", t.underfrequency_trip_s);
    w.flag("black_start", t.black_start);
    w.num("short_time_current_pu", t.short_time_current_pu);
    w.num("valve_open_rate_pu_per_s", t.valve_open_rate_pu_per_s);
    w.num("valve_close_rate_pu_per_s", t.valve_close_rate_pu_per_s);
    w.num("load_limit_pu", t.load_limit_pu);
    w.num("load_limit_time_constant_s", t.load_limit_time_constant_s);
    w.num("load_limit_kp", t.load_limit_kp);
    w.num("load_limit_ki_per_s", t.load_limit_ki_per_s);
    w.num("overspeed_trip_pu", t.overspeed_trip_pu);
    w.num("overfrequency_trip_hz", t.overfrequency_trip_hz);
    w.num("overfrequency_trip_s", t.overfrequency_trip_s);
    w.num("heat_rate_half_load_pu", t.heat_rate_half_load_pu);
    w.num("low_nox_min_load_pu", t.low_nox_min_load_pu);
    w.num("part_load_nox_ppm", t.part_load_nox_ppm);
  }
  for (std::size_t i = 0; i < s.pod_groups.size(); ++i) {
    const PodGroup& p = s.pod_groups[i];
    w.prefix("pods." + std::to_string(i) + ".");
    w.text("name", p.name);
    w.num("count", p.count);
    w.num("gpus_per_pod", p.gpus_per_pod);
    w.text("priority", to_string(p.priority));
    w.text("workload", to_string(p.workload));
    w.text("job", p.job);
    w.num("compute_w_per_gpu", p.compute_w_per_gpu);
    w.num("communication_w_per_gpu", p.communication_w_per_gpu);
    w.num("idle_w_per_gpu", p.idle_w_per_gpu);
    w.num("iteration_period_s", p.iteration_period_s);
    w.num("compute_fraction", p.compute_fraction);
    w.num("checkpoint_interval_s", p.checkpoint_interval_s);
    w.num("checkpoint_length_s", p.checkpoint_length_s);
    w.num("job_ramp_s", p.job_ramp_s);
    w.num("gpu_power_edge_s", p.gpu_power_edge_s);
    w.num("gpu_edge_spread_s", p.gpu_edge_spread_s);
    w.num("min_cap_w_per_gpu", p.min_cap_w_per_gpu);
    w.num("cap_actuation_lag_s", p.cap_actuation_lag_s);
    w.num("inference_utilisation_pu", p.inference_utilisation_pu);
    w.flag("starts_running", p.starts_running);
    w.num("power_on_delay_s", p.power_on_delay_s);
    w.num("power_on_stagger_s", p.power_on_stagger_s);
    w.num("job_restart_s", p.job_restart_s);
    w.flag("ups.enabled", p.ups.enabled);
    w.num("ups.psu_hold_up_s", p.ups.psu_hold_up_s);
    w.num("ups.transfer_below_pu", p.ups.transfer_below_pu);
    w.num("ups.dip_threshold_pu", p.ups.dip_threshold_pu);
    w.num("ups.transfer_after_dips", p.ups.transfer_after_dips);
    w.num("ups.dip_window_s", p.ups.dip_window_s);
    w.num("ups.battery_s", p.ups.battery_s);
    w.num("ups.return_delay_s", p.ups.return_delay_s);
    w.num("ups.return_stagger_s", p.ups.return_stagger_s);
    w.num("ups.recharge_pu", p.ups.recharge_pu);
  }
  w.prefix("facility.");
  w.num("conversion_loss_pu", s.facility.conversion_loss_pu);
  w.num("cooling_pu", s.facility.cooling_pu);
  w.num("cooling_time_constant_s", s.facility.cooling_time_constant_s);
  w.num("fixed_mw", s.facility.fixed_mw);
  w.num("cooling_frequency_dependent_pu", s.facility.cooling_frequency_dependent_pu);
  w.prefix("battery.");
  w.flag("present", s.has_battery);
  if (s.has_battery) {
    const Battery& b = s.battery;
    w.num("power_mw", b.power_mw);
    w.num("energy_mwh", b.energy_mwh);
    w.num("round_trip_efficiency_pu", b.round_trip_efficiency_pu);
    w.num("soc_min_pu", b.soc_min_pu);
    w.num("soc_max_pu", b.soc_max_pu);
    w.num("initial_soc_pu", b.initial_soc_pu);
    w.num("response_time_constant_s", b.response_time_constant_s);
    w.flag("grid_forming", b.grid_forming);
    w.num("virtual_inertia_h_s", b.virtual_inertia_h_s);
    w.num("droop_pu", b.droop_pu);
    w.num("underfrequency_trip_hz", b.underfrequency_trip_hz);
    w.num("underfrequency_trip_s", b.underfrequency_trip_s);
    w.num("overfrequency_trip_hz", b.overfrequency_trip_hz);
    w.num("overfrequency_trip_s", b.overfrequency_trip_s);
    w.num("enter_service_delay_s", b.enter_service_delay_s);
  }
  w.prefix("permit.");
  w.num("max_units_running", s.permit.max_units_running);
  w.num("starts_per_unit_per_year", s.permit.starts_per_unit_per_year);
  w.num("shutdowns_per_unit_per_year", s.permit.shutdowns_per_unit_per_year);
  w.num("nox_cap_short_tons_per_12_months", s.permit.nox_cap_short_tons_per_12_months);
  w.num("year_start_month", s.permit.year_start_month);
  w.num("year_start_day", s.permit.year_start_day);
  const Modbus& m = s.modbus;
  w.prefix("modbus.");
  w.text("host", m.host);
  w.num("base_port", m.base_port);
  w.num("layout", static_cast<int>(m.layout));
  w.num("response_timeout_ms", m.response_timeout_ms);
  w.num("connections_per_endpoint", m.connections_per_endpoint);
  w.num("pod_heartbeat_timeout_s", m.pod_heartbeat_timeout_s);
  w.num("pod_safe_cap_pu", m.pod_safe_cap_pu);
  for (std::size_t i = 0; i < m.devices.size(); ++i) {
    const ModbusDevice& d = m.devices[i];
    w.prefix("modbus.device." + std::to_string(i) + ".");
    w.text("name", d.name);
    w.text("host", d.host);
    w.num("port", d.port);
    w.num("unit_id", d.unit_id);
    w.text("serial", d.serial);
    w.num("baud", d.baud);
    w.text("parity", to_string(d.parity));
    w.num("stop_bits", d.stop_bits);
  }
  w.prefix("alarms.");
  w.num("flood_alarms", s.alarms.flood_alarms);
  w.num("flood_window_s", s.alarms.flood_window_s);
  w.num("max_shelve_s", s.alarms.max_shelve_s);
  const ControllerSettings& c = s.controller;
  w.prefix("controller.");
  w.text("kind", to_string(c.kind));
  w.num("scan_period_s", c.scan_period_s);
  w.num("import_margin_mw", c.import_margin_mw);
  w.num("add_on_delay_s", c.add_on_delay_s);
  w.num("add_off_delay_s", c.add_off_delay_s);
  w.num("min_run_s", c.min_run_s);
  w.num("min_off_s", c.min_off_s);
  w.num("stop_hysteresis_pu", c.stop_hysteresis_pu);
  w.num("island_reserve_pu", c.island_reserve_pu);
  w.num("resync_stable_s", c.resync_stable_s);
  w.num("resync_timeout_s", c.resync_timeout_s);
  w.num("island_expected_outage_s", c.island_expected_outage_s);
  w.num("restore_delay_s", c.restore_delay_s);
  w.num("restore_step_pu", c.restore_step_pu);
  w.num("restore_interval_s", c.restore_interval_s);
  for (std::size_t i = 0; i < c.ufls_stages_hz.size(); ++i)
    w.num(("ufls_stages_hz." + std::to_string(i)).c_str(), c.ufls_stages_hz[i]);
  w.num("ufls_stage_pu", c.ufls_stage_pu);
  w.text("ufls_when_connected", to_string(c.ufls_when_connected));
  w.num("ufls_delay_s", c.ufls_delay_s);
  w.num("battery_frequency_droop_pu", c.battery_frequency_droop_pu);
  w.num("battery_reserve_pu", c.battery_reserve_pu);
  w.num("smoothing_floor_pu", c.smoothing_floor_pu);
  w.num("meter_tolerance_mw", c.meter_tolerance_mw);
  w.num("frozen_meter_s", c.frozen_meter_s);
  w.num("critical_lost_s", c.critical_lost_s);
  w.num("adopt_wait_s", c.adopt_wait_s);
  w.num("start_pace_credit_days", c.start_pace_credit_days);
  return w.out;
}

}  // namespace site
