#include "sim/battery.hpp"

#include <algorithm>
#include <cmath>

namespace sim {

namespace {
constexpr double kHoursPerSecond = 1.0 / 3600.0;
}  // namespace

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

double Battery::max_discharge_mw(double dt_s) const {
  if (tripped_) return 0;
  const double dt_h = dt_s * kHoursPerSecond;
  const double by_charge =
      std::max(0.0, (stored_mwh_ - p_.soc_min_pu * p_.energy_mwh) * one_way_efficiency_ / dt_h);
  return std::min(p_.power_mw, by_charge);
}

double Battery::max_charge_mw(double dt_s) const {
  if (tripped_) return 0;
  const double dt_h = dt_s * kHoursPerSecond;
  const double by_room =
      std::max(0.0, (p_.soc_max_pu * p_.energy_mwh - stored_mwh_) / one_way_efficiency_ / dt_h);
  return std::min(p_.power_mw, by_room);
}

double Battery::advance_setpoint(double dt_s) {
  const double alpha =
      p_.response_time_constant_s > 0 ? 1.0 - std::exp(-dt_s / p_.response_time_constant_s) : 1.0;
  lagged_mw_ += (setpoint_mw_ - lagged_mw_) * alpha;
  return lagged_mw_;
}

void Battery::step(double dt_s) {
  deliver(dt_s, advance_setpoint(dt_s));
}

void Battery::deliver(double dt_s, double mw) {
  const double allowed_mw = std::clamp(mw, -max_charge_mw(dt_s), max_discharge_mw(dt_s));
  limited_ = allowed_mw != mw;
  power_mw_ = allowed_mw;
  pay(dt_s);
}

// The cells pay for what the inverter delivered (or are paid by what it took).
void Battery::pay(double dt_s) {
  const double dt_h = dt_s * kHoursPerSecond;
  if (power_mw_ >= 0) {
    stored_mwh_ -= power_mw_ * dt_h / one_way_efficiency_;
    loss_mw_ = power_mw_ / one_way_efficiency_ - power_mw_;
    discharged_mwh_ += power_mw_ * dt_h;
  } else {
    const double absorbed_mw = -power_mw_;
    stored_mwh_ += absorbed_mw * one_way_efficiency_ * dt_h;
    loss_mw_ = absorbed_mw * (1.0 - one_way_efficiency_);
    charged_mwh_ += absorbed_mw * dt_h;
  }
}

bool Battery::protect(double dt_s, double frequency_hz) {
  if (tripped_) return false;
  underfrequency_s_ = frequency_hz < p_.underfrequency_trip_hz ? underfrequency_s_ + dt_s : 0;
  overfrequency_s_ = frequency_hz > p_.overfrequency_trip_hz ? overfrequency_s_ + dt_s : 0;
  // A relay's clearing time is met in the step that reaches it.
  const bool due = underfrequency_s_ >= p_.underfrequency_trip_s - 1e-9 ||
                   overfrequency_s_ >= p_.overfrequency_trip_s - 1e-9;
  if (!due) return false;
  this->trip();
  return true;
}

void Battery::trip() {
  if (tripped_) return;
  tripped_ = true;
  ++trips_;
  tripped_s_ = underfrequency_s_ = overfrequency_s_ = 0;
  power_mw_ = loss_mw_ = 0;
  lagged_mw_ = 0;
}

void Battery::step_tripped(double dt_s) {
  if (!tripped_) return;
  power_mw_ = loss_mw_ = 0;
  tripped_s_ += dt_s;
  if (tripped_s_ >= p_.enter_service_delay_s - 1e-9) tripped_ = false;
}

}  // namespace sim
