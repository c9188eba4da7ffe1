// A battery energy storage system at the site bus (grid-following inverter).
//
// Power is positive when discharging. The round-trip efficiency is split evenly
// between charging and discharging (sqrt each way). State-of-charge limits reduce
// the delivered power as a real battery management system would; `limited()` says so.
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

  // `frequency_response_mw`: a grid-forming battery's droop answer, added at once
  // (an inverter answers within a cycle) to the lagged setpoint.
  void step(double dt_s, double frequency_response_mw = 0);
  // Can it discharge now (grid-forming islands need that)?
  bool can_discharge() const { return stored_mwh_ > p_.soc_min_pu * p_.energy_mwh + 1e-9; }

  double power_mw() const { return power_mw_; }
  double setpoint_mw() const { return setpoint_mw_; }
  double stored_mwh() const { return stored_mwh_; }
  double soc_pu() const { return stored_mwh_ / p_.energy_mwh; }
  double loss_mw() const { return loss_mw_; }  // internal conversion loss this step
  bool limited() const { return limited_; }
  double discharged_mwh() const { return discharged_mwh_; }
  double charged_mwh() const { return charged_mwh_; }
  const site::Battery& params() const { return p_; }

 private:
  site::Battery p_;
  double one_way_efficiency_;
  double setpoint_mw_ = 0;
  double lagged_mw_ = 0;  // the setpoint after the response lag
  double power_mw_ = 0;
  double stored_mwh_;
  double loss_mw_ = 0;
  bool limited_ = false;
  double discharged_mwh_ = 0;
  double charged_mwh_ = 0;
};

}  // namespace sim
