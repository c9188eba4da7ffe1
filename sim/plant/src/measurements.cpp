#include "sim/measurements.hpp"

#include <limits>

namespace sim {

namespace {
double until(double duration_s, double now_s) {
  return duration_s > 0 ? now_s + duration_s : std::numeric_limits<double>::infinity();
}
}  // namespace

Measurements::Measurements(const site::Site& site) {
  const int poi = add_device("poi");
  add_point("poi.import_mw", Quantity::kPoiImportMw, 0, poi);
  add_point("poi.grid_frequency_hz", Quantity::kPoiGridFrequencyHz, 0, poi);
  add_point("poi.voltage_pu", Quantity::kPoiVoltagePu, 0, poi);
  add_point("poi.breaker_closed", Quantity::kPoiBreakerClosed, 0, poi);
  add_point("poi.grid_available", Quantity::kPoiGridAvailable, 0, poi);
  add_point("poi.bus_frequency_hz", Quantity::kPoiBusFrequencyHz, 0, poi);
  add_point("poi.rocof_hz_per_s", Quantity::kPoiRocofHzPerS, 0, poi);
  add_point("poi.facility_load_mw", Quantity::kFacilityLoadMw, 0, poi);

  first_turbine_device_ = static_cast<int>(devices_.size());
  for (int u = 0; u < site.turbine_count(); ++u) {
    const std::string dev = "turbine." + std::to_string(u);
    const int d = add_device(dev);
    add_point(dev + ".power_mw", Quantity::kTurbinePowerMw, u, d);
    add_point(dev + ".mechanical_power_mw", Quantity::kTurbineMechanicalMw, u, d);
    add_point(dev + ".setpoint_mw", Quantity::kTurbineSetpointMw, u, d);
    add_point(dev + ".state", Quantity::kTurbineState, u, d);
    add_point(dev + ".run_hours", Quantity::kTurbineRunHours, u, d);
    add_point(dev + ".trip_cause", Quantity::kTurbineTripCause, u, d);
  }
  first_pod_device_ = static_cast<int>(devices_.size());
  for (int p = 0; p < site.pod_count(); ++p) {
    const std::string dev = "pod." + std::to_string(p);
    const int d = add_device(dev);
    add_point(dev + ".power_mw", Quantity::kPodPowerMw, p, d);
    add_point(dev + ".cap_mw", Quantity::kPodCapMw, p, d);
    add_point(dev + ".floor_mw", Quantity::kPodFloorMw, p, d);
    add_point(dev + ".status", Quantity::kPodStatus, p, d);
    add_point(dev + ".iteration_phase_s", Quantity::kPodIterationPhaseS, p, d);
  }
  if (site.has_battery) {
    battery_device_ = add_device("battery");
    add_point("battery.power_mw", Quantity::kBatteryPowerMw, 0, battery_device_);
    add_point("battery.soc_pu", Quantity::kBatterySocPu, 0, battery_device_);
  }
  state_.resize(points_.size());
}

int Measurements::add_device(const std::string& name) {
  devices_.push_back(name);
  silent_until_s_.push_back(-1);
  slow_until_s_.push_back(-1);
  slow_delay_s_.push_back(0);
  return static_cast<int>(devices_.size()) - 1;
}

void Measurements::add_point(const std::string& name, Quantity q, int index, int device) {
  points_.push_back(Point{name, q, index, device});
}

int Measurements::find_point(const std::string& name) const {
  for (size_t i = 0; i < points_.size(); ++i)
    if (points_[i].name == name) return static_cast<int>(i);
  return -1;
}

int Measurements::find_device(const std::string& name) const {
  for (size_t i = 0; i < devices_.size(); ++i)
    if (devices_[i] == name) return static_cast<int>(i);
  return -1;
}

void Measurements::freeze(int point, double value_now, double duration_s, double now_s) {
  PointState& s = state_[static_cast<size_t>(point)];
  s.fault = MeasurementFault::kFrozen;
  s.fault_value = value_now;
  s.fault_until_s = until(duration_s, now_s);
}

void Measurements::stick(int point, double value, double duration_s, double now_s) {
  PointState& s = state_[static_cast<size_t>(point)];
  s.fault = MeasurementFault::kStuck;
  s.fault_value = value;
  s.fault_until_s = until(duration_s, now_s);
}

void Measurements::clear(int point) {
  state_[static_cast<size_t>(point)].fault = MeasurementFault::kNone;
}

void Measurements::slow(int device, double delay_s, double duration_s, double now_s) {
  slow_until_s_[static_cast<size_t>(device)] = until(duration_s, now_s);
  slow_delay_s_[static_cast<size_t>(device)] = delay_s;
}

double Measurements::delay_s(int device, double now_s) const {
  const size_t d = static_cast<size_t>(device);
  return now_s < slow_until_s_[d] ? slow_delay_s_[d] : 0.0;
}

void Measurements::silence(int device, double duration_s, double now_s) {
  silent_until_s_[static_cast<size_t>(device)] = until(duration_s, now_s);
}

bool Measurements::silent(int device, double now_s) const {
  return now_s < silent_until_s_[static_cast<size_t>(device)];
}

Measurement Measurements::read(int point, double true_value, double now_s) {
  const Point& p = points_[static_cast<size_t>(point)];
  PointState& s = state_[static_cast<size_t>(point)];
  if (silent(p.device, now_s)) {
    Measurement m = s.last;  // the last answer the reader had; no new one
    m.answered = false;
    return m;
  }
  if (s.fault != MeasurementFault::kNone && now_s >= s.fault_until_s)
    s.fault = MeasurementFault::kNone;
  double value = true_value;
  if (s.fault != MeasurementFault::kNone) value = s.fault_value;
  s.last = Measurement{value, now_s, true};
  return s.last;
}

}  // namespace sim
