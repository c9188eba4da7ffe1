// What the plant's devices report: named points with value and timestamp, and
// the measurement faults a test bench needs (frozen value, stuck value, a device
// that stops answering).
//
// Point names: poi.import_mw, turbine.3.power_mw, pod.12.cap_mw, battery.soc_pu ...
// A point belongs to the device named by everything before its last dot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "site/site.hpp"

namespace sim {

enum class Quantity : std::uint8_t {
  kPoiImportMw,
  kPoiGridFrequencyHz,
  kPoiVoltagePu,
  kPoiBreakerClosed,
  kPoiGridAvailable,
  kPoiBusFrequencyHz,
  kPoiRocofHzPerS,
  kTurbinePowerMw,  // electrical output
  kTurbineMechanicalMw,
  kTurbineSetpointMw,
  kTurbineState,
  kTurbineRunHours,
  kTurbineTripCause,
  kPodPowerMw,
  kPodCapMw,
  kPodFloorMw,
  kPodStatus,
  kPodIterationPhaseS,
  kBatteryPowerMw,
  kBatterySocPu,
  kFacilityLoadMw,
};

struct Point {
  std::string name;
  Quantity quantity;
  int index;   // unit or pod number; 0 for site-wide devices
  int device;  // index into Measurements::devices()
};

struct Measurement {
  double value = 0;
  double stamp_s = 0;     // when the device last produced this value
  bool answered = false;  // false: the device did not answer this read
};

enum class MeasurementFault : std::uint8_t { kNone, kFrozen, kStuck };

class Measurements {
 public:
  explicit Measurements(const site::Site& site);

  const std::vector<Point>& points() const { return points_; }
  const std::vector<std::string>& devices() const { return devices_; }
  int find_point(const std::string& name) const;  // -1 when unknown
  int find_device(const std::string& name) const;
  int pod_device(int pod) const { return first_pod_device_ + pod; }
  int turbine_device(int unit) const { return first_turbine_device_ + unit; }
  int poi_device() const { return 0; }
  int battery_device() const { return battery_device_; }  // -1 without a battery

  // Faults; a duration <= 0 lasts until cleared. A frozen point keeps answering,
  // with fresh timestamps, the value it had when it froze (`value_now`).
  void freeze(int point, double value_now, double duration_s, double now_s);
  void stick(int point, double value, double duration_s, double now_s);
  void clear(int point);
  void silence(int device, double duration_s, double now_s);
  // A device that answers late: every answer `delay_s` after its request.
  void slow(int device, double delay_s, double duration_s, double now_s);
  double delay_s(int device, double now_s) const;
  bool silent(int device, double now_s) const;

  // The device's answer for `point`, given the true value now.
  Measurement read(int point, double true_value, double now_s);

 private:
  int add_device(const std::string& name);
  void add_point(const std::string& name, Quantity q, int index, int device);

  std::vector<std::string> devices_;
  std::vector<double> silent_until_s_;  // per device; -1 answering, +inf silent for good
  std::vector<double> slow_until_s_, slow_delay_s_;
  std::vector<Point> points_;
  struct PointState {
    Measurement last;
    MeasurementFault fault = MeasurementFault::kNone;
    double fault_value = 0;
    double fault_until_s = -1;
  };
  std::vector<PointState> state_;
  int first_turbine_device_ = 0, first_pod_device_ = 0, battery_device_ = -1;
};

}  // namespace sim
