// The process image: every measurement the controller reads, once per scan, each
// with its value, the time the device produced it, and its quality.
//
// Sized once from the site (no allocation in steady state). The controller never
// knows which backend filled it: the in-process simulator or Modbus devices.
#pragma once

#include <cstdint>
#include <vector>

#include "site/site.hpp"

namespace hal {

enum class Quality : std::uint8_t {
  kGood,
  kStale,       // the device answered, but with a value older than allowed
  kCommsLost,   // the device did not answer
  kOutOfRange,  // the device answered with a value outside the signal's plausible range
};

const char* to_string(Quality q);

struct Signal {
  double value = 0;
  double stamp_s = -1;  // when the device produced the value; -1 never
  Quality quality = Quality::kCommsLost;
  bool good() const { return quality == Quality::kGood; }
};

// A turbine controller's coarse status, as its status register reports it.
enum class TurbineStatus : std::uint8_t {
  kOff = 0,
  kStarting = 1,  // purge, ignition, acceleration, synchronisation
  kLoading = 2,   // breaker closed, ramping to minimum stable load
  kOnline = 3,
  kStopping = 4,  // unloading
  kCooldown = 5,
  kTripped = 6,
};

const char* to_string(TurbineStatus s);

struct PoiInputs {
  Signal import_mw;
  Signal grid_frequency_hz;  // utility side of the breaker; 0 when the grid is dead
  Signal bus_frequency_hz;   // site side
  Signal rocof_hz_per_s;
  Signal voltage_pu;
  Signal breaker_closed;  // 1 closed, 0 open
  Signal grid_available;  // 1 the utility side is live
  Signal facility_load_mw;
};

struct TurbineInputs {
  Signal power_mw;             // electrical output
  Signal mechanical_power_mw;  // the shaft's: what the fuel makes
  Signal setpoint_mw;          // read back
  Signal status;               // a TurbineStatus code
  Signal trip_cause;           // the last trip's cause code (docs/register-maps.md)
  Signal run_hours;
};

// The pod gateway status bit the controller reads; the map (hal/registers) declares
// it, and a test checks that the two agree.
constexpr int kPodStatusOnUpsBit = 5;

struct PodInputs {
  Signal power_mw;
  Signal cap_mw;             // read back, in effect
  Signal floor_mw;           // read back, in effect
  Signal status;             // the gateway's status bits (docs/register-maps.md)
  Signal iteration_phase_s;  // training: time into the job's iteration; kNoIteration: none
};
constexpr double kNoIteration = 65.535;

struct BatteryInputs {
  Signal power_mw;  // positive discharging
  Signal soc_pu;
};

struct ProcessImage {
  explicit ProcessImage(const site::Site& site);

  double scan_time_s = 0;
  PoiInputs poi;
  std::vector<TurbineInputs> turbines;
  std::vector<PodInputs> pods;
  bool has_battery = false;
  BatteryInputs battery;
};

}  // namespace hal
