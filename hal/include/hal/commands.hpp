// What the controller writes once per scan.
//
// Setpoints, caps and floors are the desired state: the backend writes a value
// only when it differs from what the device last accepted (cyclic writes wear
// device memory: ComAp's InteliGen/InteliSys NT reference guides warn that setpoints
// sit in EEPROM), and writes again when the read-back shows the device lost it.
// Start, stop, reset and breaker commands are one-shot.
#pragma once

#include <cstdint>
#include <vector>

#include "site/site.hpp"

namespace hal {

enum class TurbineCommand : std::uint8_t { kNone, kStart, kStop, kReset };
enum class BreakerCommand : std::uint8_t { kNone, kClose, kOpen };

struct TurbineOutputs {
  TurbineCommand command = TurbineCommand::kNone;
  double setpoint_mw = 0;  // 0 = leave the device's setpoint alone
};

struct PodOutputs {
  double cap_mw = 0;     // 0 = leave the cap alone
  double floor_mw = -1;  // -1 = leave the floor alone; 0 = floor off
};

struct Commands {
  explicit Commands(const site::Site& site);
  void clear_one_shots();

  std::vector<TurbineOutputs> turbines;
  std::vector<PodOutputs> pods;
  bool battery_enabled = false;
  double battery_setpoint_mw = 0;  // positive discharging
  BreakerCommand breaker = BreakerCommand::kNone;
  std::uint32_t heartbeat = 0;  // incremented every scan; devices watch it
};

}  // namespace hal
