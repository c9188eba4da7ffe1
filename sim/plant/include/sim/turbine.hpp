// One gas turbine-generator: start sequence, GGOV1-style governor, protection, emissions.
//
// Governor (per unit, on the unit's rating): load reference ramped at the configured
// rate, droop (1 - w) / R, plus the island's isochronous term when islanded; the speed
// demand is limited to [0 (no load), 1] once online. A low-value gate takes the lesser
// of it and the load limiter (GGOV1's Ldref/Kpload/Kiload on the exhaust-temperature
// signal: mechanical power lagged by Tfload). The valve follows through its lag T1 at
// no more than its opening and closing rates (GGOV1 Ropen/Rclose), and the turbine lag
// T2 turns valve into mechanical power. Electrical power is what the bus takes from
// the unit (the plant sets it); the difference goes into or out of the rotor.
#pragma once

#include <cstdint>

#include "sim/command.hpp"
#include "site/site.hpp"

namespace sim {

enum class TurbineState : std::uint8_t {
  kOff,
  kPurging,
  kIgniting,
  kAccelerating,
  kSynchronising,
  kLoading,    // breaker closed, load reference ramping up to minimum stable load
  kOnline,     // between minimum stable load and rating
  kUnloading,  // stop requested: ramping down to zero before opening the breaker
  kCooldown,   // after a stop, trip reset or failed start: no restart until it ends
  kTripped,    // locked out; needs a reset
};

// Codes as the turbine map's trip_cause register gives them (docs/register-maps.md).
enum class TripCause : std::uint8_t {
  kNone,
  kCommanded,
  kFailToStart,
  kUnderfrequency,
  kOverspeed,
  kOverfrequency,
  kUndervoltage,  // an island short of sources: its voltage collapsed
  kDeadBus,       // a start without auxiliary power: the bus died or was dead
};

const char* to_string(TurbineState s);
// The unit controller's coarse status code, as its Modbus status register reports
// it (docs/register-maps.md): 0 off, 1 starting, 2 loading, 3 online, 4 stopping,
// 5 cooldown, 6 tripped.
std::uint16_t status_code(TurbineState s);
const char* to_string(TripCause c);

// Counters a permit and maintenance care about.
struct TurbineCounters {
  double run_s = 0;  // time with the generator breaker closed
  int starts = 0;    // start commands accepted
  int stops = 0;     // stop commands accepted
  int trips = 0;
  int failed_starts = 0;
  double fuel_mmbtu = 0;
  double co2_kg = 0;
  double nox_kg = 0;
  // Of the above, what the starts burnt and emitted: from ignition until online.
  double startup_fuel_mmbtu = 0;
  double startup_nox_kg = 0;
};

class Turbine {
 public:
  explicit Turbine(const site::TurbineGroup& params);

  // Commands, answered as the unit's controller would.
  CommandResult start(bool will_fail);
  CommandResult stop();
  CommandResult reset();
  CommandResult set_setpoint_mw(double mw);         // accepted in [minimum stable load, rating]
  CommandResult setpoint_allowed(double mw) const;  // what set_setpoint_mw would answer
  void trip(TripCause cause);
  // Puts the unit online at `mw` in steady state (the plant as found at start-up).
  void force_online(double mw);

  // Inputs of one step: speed in pu of nominal (governor and over-speed), the
  // island's isochronous term (pu of rating), and frequency for the frequency relays.
  void step(double dt_s, double speed_pu, double isochronous_pu, double frequency_hz);

  bool breaker_closed() const {
    return state_ == TurbineState::kLoading || state_ == TurbineState::kOnline ||
           state_ == TurbineState::kUnloading;
  }
  // Folds the island's isochronous term into the load reference (bumpless return to grid).
  void absorb_isochronous(double isochronous_pu);

  TurbineState state() const { return state_; }
  TripCause trip_cause() const { return trip_cause_; }
  double mechanical_mw() const { return pm_pu_ * p_.rating_mw; }
  // Electrical output: the unit's share of the bus, as the plant sets it each step;
  // until it does, the mechanical output (steady state). 0 with the breaker open.
  void set_electrical_mw(double mw) {
    electrical_mw_ = mw;
    electrical_set_ = true;
  }
  double electrical_mw() const {
    if (!breaker_closed()) return 0;
    return electrical_set_ ? electrical_mw_ : mechanical_mw();
  }
  double valve_pu() const { return valve_pu_; }  // fuel valve stroke, pu of rating
  // Which way the valve could not follow its demand in the last step: +1 held
  // back opening (rate, full stroke or the load limiter), -1 closing, 0 free. The
  // island's isochronous integral stops pushing a valve that cannot move (anti-windup).
  int valve_saturation() const { return valve_saturation_; }
  double load_limit_pu() const { return load_limit_pu_; }  // the load limiter's output
  double reference_mw() const { return ref_pu_ * p_.rating_mw; }
  double setpoint_mw() const { return setpoint_pu_ * p_.rating_mw; }
  double state_elapsed_s() const { return state_s_; }
  double rating_mw() const { return p_.rating_mw; }
  double inertia_mws() const { return p_.inertia_h_s * p_.rating_mw; }
  double fuel_mmbtu_per_h() const;
  // The fuel curve: fuel at mechanical output `p_pu`, of full-load fuel (quadratic
  // through no-load fuel, the half-load heat rate and full-load fuel).
  double nox_ppm_now() const;  // stack NOx now, ppm at 15 % O2 dry
  bool starting() const;       // ignition to online: start-up fuel and NOx
  const TurbineCounters& counters() const { return counters_; }
  const site::TurbineGroup& params() const { return p_; }

 private:
  void enter(TurbineState s);
  double phase_duration_s(TurbineState s) const;
  void step_sequence(double dt_s);
  bool low_nox_mode() const;
  void step_protection(double dt_s, double speed_pu, double frequency_hz);
  void step_governor(double dt_s, double speed_pu, double isochronous_pu);
  void step_load_limiter(double dt_s, double gate_pu);
  void cut_fuel();
  void account(double dt_s);

  site::TurbineGroup p_;  // a copy: the unit outlives any site object
  TurbineState state_ = TurbineState::kOff;
  TripCause trip_cause_ = TripCause::kNone;
  double state_s_ = 0;  // time in the present state
  bool will_fail_ = false;
  double setpoint_pu_;  // commanded
  double ref_pu_ = 0;   // ramp-limited load reference
  double valve_pu_ = 0;
  double pm_pu_ = 0;
  double underfrequency_s_ = 0;
  double overfrequency_s_ = 0;
  double exhaust_pu_ = 0;       // the load limiter's temperature signal
  double load_limit_pu_ = 1.0;  // the load limiter's output (fsrt)
  int valve_saturation_ = 0;
  double electrical_mw_ = 0;
  bool electrical_set_ = false;
  double nox_kg_per_mmbtu_;
  double part_load_nox_kg_per_mmbtu_;
  TurbineCounters counters_;
};

}  // namespace sim
