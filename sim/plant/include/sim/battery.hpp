// A battery energy storage system at the site bus.
//
// Power is positive when discharging. The round-trip efficiency is split evenly
// between charging and discharging (sqrt each way). What the inverter can give or
// take in a step is bounded by its power rating and by the state-of-charge limits,
// as a battery management system bounds it; `limited()` says a bound was met.
//
// Grid-following, its output is its (lagged) set-point. Grid-forming and
// islanded, the plant's bus solves the inverter's output with the island's
// frequency (synthetic inertia and droop: Plant::step_island); that output is
// still bounded here and paid from the cells.
//
// The inverter's frequency protection (IEEE 1547-2018 section 6.5.1) trips it
// off the bus; it returns to service after the enter-service delay.
#pragma once

#include "sim/command.hpp"
#include "site/site.hpp"

namespace sim {

class Battery {
 public:
  explicit Battery(const site::Battery& params);

  CommandResult set_setpoint_mw(double mw);         // accepted in [-power, +power]
  CommandResult setpoint_allowed(double mw) const;  // what set_setpoint_mw would answer
  void set_soc_pu(double soc_pu);                   // initial condition only

  // One step, grid-following: the set-point through the response lag, bounded.
  void step(double dt_s);
  // One step in two halves, for a grid-forming island: advance the set-point's
  // lag, then deliver what the bus solved (bounded again, and paid).
  double advance_setpoint(double dt_s);  // returns the lagged set-point
  void deliver(double dt_s, double mw);
  // The most it can give (discharge) and take (charge) in a step of dt_s.
  double max_discharge_mw(double dt_s) const;
  double max_charge_mw(double dt_s) const;

  // Frequency protection: call each step while the inverter is on the bus.
  // Returns true in the step it trips.
  bool protect(double dt_s, double frequency_hz);
  void trip();  // off the bus now (a collapsed bus)
  // Advances the enter-service delay while tripped.
  void step_tripped(double dt_s);

  bool in_service() const { return !tripped_; }
  bool tripped() const { return tripped_; }
  // Can it discharge now (a grid-forming island needs that)?
  bool can_discharge() const {
    return !tripped_ && stored_mwh_ > p_.soc_min_pu * p_.energy_mwh + 1e-9;
  }
  bool forms_island() const { return p_.grid_forming && can_discharge(); }

  double power_mw() const { return power_mw_; }
  double setpoint_mw() const { return setpoint_mw_; }
  double stored_mwh() const { return stored_mwh_; }
  double soc_pu() const { return stored_mwh_ / p_.energy_mwh; }
  double loss_mw() const { return loss_mw_; }  // internal conversion loss this step
  bool limited() const { return limited_; }
  int trips() const { return trips_; }
  double discharged_mwh() const { return discharged_mwh_; }
  double charged_mwh() const { return charged_mwh_; }
  const site::Battery& params() const { return p_; }

 private:
  void pay(double dt_s);

  site::Battery p_;
  double one_way_efficiency_;
  double setpoint_mw_ = 0;
  double lagged_mw_ = 0;  // the setpoint after the response lag
  double power_mw_ = 0;
  double stored_mwh_;
  double loss_mw_ = 0;
  bool limited_ = false;
  bool tripped_ = false;
  double underfrequency_s_ = 0, overfrequency_s_ = 0;
  double tripped_s_ = 0;
  int trips_ = 0;
  double discharged_mwh_ = 0;
  double charged_mwh_ = 0;
};

}  // namespace sim
