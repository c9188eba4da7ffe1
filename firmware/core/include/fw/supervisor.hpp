// The site supervisor: a Boost.MSM state machine behind a small interface
// (the machine lives in one translation unit: compile time and memory).
//
// Hierarchy: Automatic { Init, GridParallel, TurbineAssist, Islanded,
// Resynchronising, EmergencyShed } | FailSafe | Manual. docs/state-machines.md
// is generated from the transition tables and a test keeps it equal to them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fw/event_log.hpp"

namespace fw {

enum class Mode : std::uint8_t {
  kInit,             // adopt the plant as found
  kGridParallel,     // grid carries the site within its contract
  kTurbineAssist,    // import near its limit: turbines carry the rest
  kIslanded,         // grid lost: turbines and battery carry the site
  kResynchronising,  // grid back and stable: sync check, close, ramp the transfer
  kEmergencyShed,    // a contingency: GPU load shed to hold frequency
  kFailSafe,         // critical measurements lost: hold, shed to safe caps
  kManual,           // operator in control
};

enum class SupervisorEvent : std::uint8_t {
  kAdoptGridParallel,
  kAdoptIslanded,
  kImportHigh,
  kImportNormal,
  kGridLost,
  kGridStable,
  kGridUnstable,
  kBreakerClosed,
  kContingency,
  kShedRecoveredGrid,
  kShedRecoveredIsland,
  kCriticalLost,
  kCriticalRestored,
  kManualRequest,
  kAutoRequest,
};

const char* to_string(Mode m);
const char* to_string(SupervisorEvent e);

// One row of a transition table, for documentation and tests.
struct TransitionRow {
  std::string machine;  // "Supervisor", "Automatic", "Turbine"
  std::string from, event, to;
};

class Supervisor {
 public:
  explicit Supervisor(EventLog& log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Handles one event; logs the transition with its cause, or logs that the
  // event had no transition in the present state. Returns true on a transition.
  bool process(SupervisorEvent event, double now_s, const char* cause);
  Mode mode() const;

  // The transition tables of the machine and its submachine, read from the MSM types.
  static std::vector<TransitionRow> transition_table();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw
