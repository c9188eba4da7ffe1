#include "sim/battery.hpp"

#include <algorithm>
#include <cmath>

namespace sim {

Battery::Battery(const site::Battery& params)
    : p_(params),
      one_way_efficiency_(std::sqrt(params.round_trip_efficiency_pu)),
      stored_mwh_(params.initial_soc_pu * params.energy_mwh) {}

CommandResult Battery::setpoint_allowed(double mw) const {
  if (!(mw >= -p_.power_mw && mw <= p_.power_mw)) return CommandResult::kOutOfRange;
  return CommandResult::kAccepted;
}

CommandResult Battery::set_setpoint_mw(double mw) {
  if (const CommandResult r = setpoint_allowed(mw); r != CommandResult::kAccepted) return r;
  setpoint_mw_ = mw;
  return CommandResult::kAccepted;
}

void Battery::set_soc_pu(double soc_pu) {
  stored_mwh_ = soc_pu * p_.energy_mwh;
}

void Battery::step(double dt_s, double frequency_response_mw) {
  const double alpha =
      p_.response_time_constant_s > 0 ? 1.0 - std::exp(-dt_s / p_.response_time_constant_s) : 1.0;
  lagged_mw_ += (setpoint_mw_ - lagged_mw_) * alpha;
  const double want_mw = std::clamp(lagged_mw_ + frequency_response_mw, -p_.power_mw, p_.power_mw);

  // What the state-of-charge limits still allow within this step.
  const double dt_h = dt_s / 3600.0;
  const double max_discharge_mw =
      std::max(0.0, (stored_mwh_ - p_.soc_min_pu * p_.energy_mwh) * one_way_efficiency_ / dt_h);
  const double max_charge_mw =
      std::max(0.0, (p_.soc_max_pu * p_.energy_mwh - stored_mwh_) / one_way_efficiency_ / dt_h);
  const double allowed_mw = std::clamp(want_mw, -max_charge_mw, max_discharge_mw);
  limited_ = allowed_mw != want_mw;
  power_mw_ = allowed_mw;

  if (power_mw_ >= 0) {
    const double drawn_mwh = power_mw_ * dt_h / one_way_efficiency_;
    stored_mwh_ -= drawn_mwh;
    loss_mw_ = power_mw_ / one_way_efficiency_ - power_mw_;
    discharged_mwh_ += power_mw_ * dt_h;
  } else {
    const double absorbed_mw = -power_mw_;
    stored_mwh_ += absorbed_mw * one_way_efficiency_ * dt_h;
    loss_mw_ = absorbed_mw * (1.0 - one_way_efficiency_);
    charged_mwh_ += absorbed_mw * dt_h;
  }
}

}  // namespace sim
