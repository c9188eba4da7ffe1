// One turbine's view in the controller: a Boost.MSM machine per unit, behind a
// small interface. It follows the commands the controller sends and what the
// unit reports, so dispatch knows each unit's state without guessing.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fw/event_log.hpp"
#include "fw/supervisor.hpp"

namespace fw {

enum class UnitState : std::uint8_t { kOff, kStarting, kOnline, kCooling, kLockout };

enum class UnitEvent : std::uint8_t {
  kStartCmd,     // controller commands a start
  kRunning,      // unit reports online
  kStartFailed,  // unit tripped while starting, or never acknowledged the start
  kStopCmd,      // controller commands a stop
  kStopped,      // unit reports off
  kTrip,         // unit reports tripped while running or stopping
  kReset,        // lockout reset (operator or controller)
  kAdoptOnline,  // Init: found running
  kAdoptStarting,
  kAdoptCooling,
  kAdoptLockout,
};

const char* to_string(UnitState s);
const char* to_string(UnitEvent e);

class TurbineMachine {
 public:
  TurbineMachine(EventLog& log, int unit);
  ~TurbineMachine();
  TurbineMachine(TurbineMachine&&) noexcept;
  TurbineMachine& operator=(TurbineMachine&&) noexcept;

  bool process(UnitEvent event, double now_s, const char* cause);
  UnitState state() const;
  double since_s() const { return since_s_; }  // when the present state was entered

  static std::vector<TransitionRow> transition_table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double since_s_ = 0;
};

}  // namespace fw
