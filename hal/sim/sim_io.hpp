// The HAL backend over the in-process simulator: reads the simulated devices'
// answers into the process image and sends commands as device writes.
//
// It does not step the plant: the shell that owns virtual time steps the plant
// between scans (tools/scenario), exactly as real time passes between scans of a
// real plant.
#pragma once

#include <cstdint>
#include <vector>

#include "hal/plant_io.hpp"
#include "hal/quality.hpp"
#include "sim/plant.hpp"

namespace hal {

struct SimIoOptions {
  double stale_after_s = 1.0;  // a reading older than this is stale
};

class SimIo final : public PlantIo {
 public:
  SimIo(sim::Plant& plant, const SimIoOptions& options = {});

  void read(ProcessImage& image, double now_s) override;
  void write(const Commands& commands, double now_s) override;
  int refusal_count() const override { return static_cast<int>(refusals_.size()); }
  const WriteRefusal& refusal(int i) const override { return refusals_[static_cast<size_t>(i)]; }
  void clear_refusals() override { refusals_.clear(); }
  std::uint64_t refusals_total() const { return refusals_total_; }

 private:
  void read_point(Signal& s, int point, double now_s, double lo, double hi);
  // Reports a refusal once when a target starts refusing; retries stay silent.
  void result(sim::CommandResult r, bool& refusing, const char* kind, int index, const char* what,
              double value);
  // Writes `value` only when it differs from what the device last accepted.
  template <class Write>
  void write_if_changed(double value, double& written, std::uint8_t& refusing_flag,
                        const char* kind, int index, const char* what, Write&& write) {
    if (value == written) return;
    bool refusing = refusing_flag != 0;
    const sim::CommandResult r = write(value);
    result(r, refusing, kind, index, what, value);
    refusing_flag = refusing;
    if (r == sim::CommandResult::kAccepted) written = value;
  }

  sim::Plant& plant_;
  SimIoOptions options_;
  SignalLimits limits_;
  struct PoiPoints {
    int import_mw, grid_hz, bus_hz, rocof, voltage, breaker, grid_available, facility_mw;
  } poi_{};
  struct UnitPoints {
    int power, mechanical, setpoint, state, run_hours, trip_cause;
  };
  struct PodPoints {
    int power, cap, floor, status, iteration_phase;
  };
  std::vector<UnitPoints> units_;
  std::vector<PodPoints> pods_;
  int battery_power_ = -1, battery_soc_ = -1;

  // What each device last accepted, so only changes are written.
  std::vector<double> setpoint_written_, cap_written_, floor_written_;
  std::vector<std::uint8_t> setpoint_refusing_, cap_refusing_, floor_refusing_;
  double battery_written_ = 0;
  bool battery_refusing_ = false;
  std::vector<WriteRefusal> refusals_;  // reserved once; see result()
  std::uint64_t refusals_total_ = 0;
};

// The device's coarse status code for a simulated unit state.
TurbineStatus status_of(sim::TurbineState s);

}  // namespace hal
