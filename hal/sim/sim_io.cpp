#include "sim_io.hpp"

namespace hal {

namespace {
constexpr std::size_t kMaxRefusalsPerScan = 256;
}

TurbineStatus status_of(sim::TurbineState s) {
  // The simulated unit's own status code (the register map's) is the HAL's.
  return static_cast<TurbineStatus>(sim::status_code(s));
}

SimIo::SimIo(sim::Plant& plant, const SimIoOptions& options)
    : plant_(plant), options_(options), limits_(plant.site()) {
  const sim::Measurements& m = plant.measurements();
  poi_ = PoiPoints{m.find_point("poi.import_mw"),        m.find_point("poi.grid_frequency_hz"),
                   m.find_point("poi.bus_frequency_hz"), m.find_point("poi.rocof_hz_per_s"),
                   m.find_point("poi.voltage_pu"),       m.find_point("poi.breaker_closed"),
                   m.find_point("poi.grid_available"),   m.find_point("poi.facility_load_mw")};
  for (int u = 0; u < plant.turbine_count(); ++u) {
    const std::string d = "turbine." + std::to_string(u);
    units_.push_back(UnitPoints{m.find_point(d + ".power_mw"),
                                m.find_point(d + ".mechanical_power_mw"),
                                m.find_point(d + ".setpoint_mw"), m.find_point(d + ".state"),
                                m.find_point(d + ".run_hours"), m.find_point(d + ".trip_cause")});
    setpoint_written_.push_back(plant.turbine(u).setpoint_mw());
  }
  for (int p = 0; p < plant.pods().size(); ++p) {
    const std::string d = "pod." + std::to_string(p);
    pods_.push_back(PodPoints{m.find_point(d + ".power_mw"), m.find_point(d + ".cap_mw"),
                              m.find_point(d + ".floor_mw"), m.find_point(d + ".status"),
                              m.find_point(d + ".iteration_phase_s")});
    cap_written_.push_back(plant.pods().cap_command_mw(p));
    floor_written_.push_back(plant.pods().floor_command_mw(p));
  }
  if (plant.battery()) {
    battery_power_ = m.find_point("battery.power_mw");
    battery_soc_ = m.find_point("battery.soc_pu");
    battery_written_ = plant.battery()->setpoint_mw();
  }
  setpoint_refusing_.assign(units_.size(), 0);
  cap_refusing_.assign(pods_.size(), 0);
  floor_refusing_.assign(pods_.size(), 0);
  refusals_.reserve(kMaxRefusalsPerScan);
}

void SimIo::read_point(Signal& s, int point, double now_s, double lo, double hi) {
  const sim::Measurement m = plant_.measure(point);
  set_signal(s, m.value, m.stamp_s,
             grade(m.answered, m.stamp_s, now_s, options_.stale_after_s, m.value, lo, hi));
}

void SimIo::read(ProcessImage& image, double now_s) {
  image.scan_time_s = now_s;
  const double site = limits_.site_mw, fmax = limits_.frequency_max_hz;
  PoiInputs& poi = image.poi;
  read_point(poi.import_mw, poi_.import_mw, now_s, -site, site);
  read_point(poi.grid_frequency_hz, poi_.grid_hz, now_s, 0, fmax);
  read_point(poi.bus_frequency_hz, poi_.bus_hz, now_s, 0, fmax);
  read_point(poi.rocof_hz_per_s, poi_.rocof, now_s, -1e4, 1e4);
  read_point(poi.voltage_pu, poi_.voltage, now_s, 0, 2);
  read_point(poi.breaker_closed, poi_.breaker, now_s, 0, 1);
  read_point(poi.grid_available, poi_.grid_available, now_s, 0, 1);
  read_point(poi.facility_load_mw, poi_.facility_mw, now_s, 0, site);
  for (size_t u = 0; u < units_.size(); ++u) {
    TurbineInputs& t = image.turbines[u];
    read_point(t.power_mw, units_[u].power, now_s, -0.1 * limits_.turbine_mw_max,
               limits_.turbine_mw_max);
    read_point(t.mechanical_power_mw, units_[u].mechanical, now_s, -0.1 * limits_.turbine_mw_max,
               limits_.turbine_mw_max);
    read_point(t.setpoint_mw, units_[u].setpoint, now_s, 0, limits_.turbine_mw_max);
    // The simulated unit reports its detailed state; the device register holds the coarse code.
    const sim::Measurement m = plant_.measure(units_[u].state);
    const double code = static_cast<double>(status_of(static_cast<sim::TurbineState>(m.value)));
    set_signal(t.status, code, m.stamp_s,
               grade(m.answered, m.stamp_s, now_s, options_.stale_after_s, code, 0, 6));
    read_point(t.run_hours, units_[u].run_hours, now_s, 0, 1e6);
    read_point(t.trip_cause, units_[u].trip_cause, now_s, 0, 7);
  }
  for (size_t p = 0; p < pods_.size(); ++p) {
    PodInputs& pod = image.pods[p];
    read_point(pod.power_mw, pods_[p].power, now_s, 0, limits_.pod_mw_max);
    read_point(pod.cap_mw, pods_[p].cap, now_s, 0, limits_.pod_mw_max);
    read_point(pod.floor_mw, pods_[p].floor, now_s, 0, limits_.pod_mw_max);
    read_point(pod.status, pods_[p].status, now_s, 0, 63);
    read_point(pod.iteration_phase_s, pods_[p].iteration_phase, now_s, 0, kNoIteration);
  }
  if (battery_power_ >= 0) {
    read_point(image.battery.power_mw, battery_power_, now_s, -limits_.battery_mw_max,
               limits_.battery_mw_max);
    read_point(image.battery.soc_pu, battery_soc_, now_s, 0, 1);
  }
}

void SimIo::result(sim::CommandResult r, bool& refusing, const char* kind, int index,
                   const char* what, double value) {
  if (r == sim::CommandResult::kAccepted) {
    refusing = false;
    return;
  }
  ++refusals_total_;
  if (refusing) return;
  refusing = true;
  if (refusals_.size() < kMaxRefusalsPerScan)
    refusals_.push_back(WriteRefusal{kind, index, what, value, sim::to_string(r)});
}

void SimIo::write(const Commands& c, double /*now_s*/) {
  for (size_t u = 0; u < units_.size(); ++u) {
    const int unit = static_cast<int>(u);
    const TurbineOutputs& t = c.turbines[u];
    bool once = false;  // one-shot commands report every refusal
    switch (t.command) {
      case TurbineCommand::kStart:
        result(plant_.turbine_start(unit), once, "turbine", unit, "start", 1);
        break;
      case TurbineCommand::kStop:
        result(plant_.turbine_stop(unit), once, "turbine", unit, "stop", 1);
        break;
      case TurbineCommand::kReset:
        result(plant_.turbine_reset(unit), once, "turbine", unit, "reset", 1);
        break;
      case TurbineCommand::kNone:
        break;
    }
    if (t.setpoint_mw > 0)
      write_if_changed(t.setpoint_mw, setpoint_written_[u], setpoint_refusing_[u], "turbine", unit,
                       "setpoint_mw", [&](double v) { return plant_.turbine_setpoint(unit, v); });
  }
  for (size_t p = 0; p < pods_.size(); ++p) {
    const int pod = static_cast<int>(p);
    const PodOutputs& o = c.pods[p];
    if (o.cap_mw > 0)
      write_if_changed(o.cap_mw, cap_written_[p], cap_refusing_[p], "pod", pod, "cap_mw",
                       [&](double v) { return plant_.pod_cap(pod, v); });
    if (o.floor_mw >= 0)
      write_if_changed(o.floor_mw, floor_written_[p], floor_refusing_[p], "pod", pod, "floor_mw",
                       [&](double v) { return plant_.pod_floor(pod, v); });
  }
  if (c.battery_enabled && battery_power_ >= 0 && c.battery_setpoint_mw != battery_written_) {
    const sim::CommandResult r = plant_.battery_setpoint(c.battery_setpoint_mw);
    result(r, battery_refusing_, "battery", 0, "setpoint_mw", c.battery_setpoint_mw);
    if (r == sim::CommandResult::kAccepted) battery_written_ = c.battery_setpoint_mw;
  }
  bool once = false;
  if (c.breaker == BreakerCommand::kClose)
    result(plant_.breaker_close(), once, "poi", 0, "close", 1);
  if (c.breaker == BreakerCommand::kOpen) result(plant_.breaker_open(), once, "poi", 0, "open", 1);
}

}  // namespace hal
