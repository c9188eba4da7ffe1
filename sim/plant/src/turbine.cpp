#include "sim/turbine.hpp"

#include "site/turbine_fuel.hpp"

#include <algorithm>
#include <cmath>

namespace sim {

namespace {
constexpr double kOnlineTolerancePu = 1e-3;

double lag_factor(double dt_s, double tau_s) {
  return tau_s > 0 ? 1.0 - std::exp(-dt_s / tau_s) : 1.0;
}
}  // namespace

const char* to_string(TurbineState s) {
  switch (s) {
    case TurbineState::kOff:
      return "off";
    case TurbineState::kPurging:
      return "purging";
    case TurbineState::kIgniting:
      return "igniting";
    case TurbineState::kAccelerating:
      return "accelerating";
    case TurbineState::kSynchronising:
      return "synchronising";
    case TurbineState::kLoading:
      return "loading";
    case TurbineState::kOnline:
      return "online";
    case TurbineState::kUnloading:
      return "unloading";
    case TurbineState::kCooldown:
      return "cooldown";
    case TurbineState::kTripped:
      return "tripped";
  }
  return "?";
}

std::uint16_t status_code(TurbineState s) {
  switch (s) {
    case TurbineState::kOff:
      return 0;
    case TurbineState::kPurging:
    case TurbineState::kIgniting:
    case TurbineState::kAccelerating:
    case TurbineState::kSynchronising:
      return 1;
    case TurbineState::kLoading:
      return 2;
    case TurbineState::kOnline:
      return 3;
    case TurbineState::kUnloading:
      return 4;
    case TurbineState::kCooldown:
      return 5;
    case TurbineState::kTripped:
      return 6;
  }
  return 6;
}

const char* to_string(TripCause c) {
  switch (c) {
    case TripCause::kNone:
      return "none";
    case TripCause::kCommanded:
      return "commanded";
    case TripCause::kFailToStart:
      return "fail_to_start";
    case TripCause::kUnderfrequency:
      return "underfrequency";
    case TripCause::kOverspeed:
      return "overspeed";
    case TripCause::kOverfrequency:
      return "overfrequency";
    case TripCause::kDeadBus:
      return "dead_bus";
    case TripCause::kUndervoltage:
      return "undervoltage";
  }
  return "?";
}

// The fuel curve and NOx factors are the site model's (site/turbine_fuel.hpp),
// shared with the controller's permit accounting.
Turbine::Turbine(const site::TurbineGroup& params)
    : p_(params),
      setpoint_pu_(params.min_stable_load_pu),
      nox_kg_per_mmbtu_(site::nox_kg_per_mmbtu_from_ppm(params.nox_ppm)),
      part_load_nox_kg_per_mmbtu_(site::nox_kg_per_mmbtu_from_ppm(params.part_load_nox_ppm)) {}

void Turbine::enter(TurbineState s) {
  state_ = s;
  state_s_ = 0;
}

double Turbine::phase_duration_s(TurbineState s) const {
  switch (s) {
    case TurbineState::kPurging:
      return p_.purge_s;
    case TurbineState::kIgniting:
      return p_.ignition_s;
    case TurbineState::kAccelerating:
      return p_.acceleration_s;
    case TurbineState::kSynchronising:
      return p_.synchronisation_s;
    case TurbineState::kCooldown:
      return p_.cooldown_s;
    default:
      return 0;
  }
}

CommandResult Turbine::start(bool will_fail) {
  if (state_ != TurbineState::kOff) return CommandResult::kNotPermitted;
  will_fail_ = will_fail;
  trip_cause_ = TripCause::kNone;
  ++counters_.starts;
  enter(TurbineState::kPurging);
  return CommandResult::kAccepted;
}

CommandResult Turbine::stop() {
  switch (state_) {
    case TurbineState::kLoading:
    case TurbineState::kOnline:
      ++counters_.stops;
      enter(TurbineState::kUnloading);
      return CommandResult::kAccepted;
    case TurbineState::kPurging:
    case TurbineState::kIgniting:
    case TurbineState::kAccelerating:
    case TurbineState::kSynchronising:
      // An aborted start still counts against the shutdown budget: the unit fired.
      ++counters_.stops;
      enter(TurbineState::kCooldown);
      return CommandResult::kAccepted;
    default:
      return CommandResult::kNotPermitted;
  }
}

CommandResult Turbine::reset() {
  if (state_ != TurbineState::kTripped) return CommandResult::kNotPermitted;
  enter(TurbineState::kCooldown);
  return CommandResult::kAccepted;
}

CommandResult Turbine::setpoint_allowed(double mw) const {
  const double lo = p_.min_stable_load_pu * p_.rating_mw;
  if (!(mw >= lo && mw <= p_.rating_mw)) return CommandResult::kOutOfRange;
  return CommandResult::kAccepted;
}

CommandResult Turbine::set_setpoint_mw(double mw) {
  if (const CommandResult r = setpoint_allowed(mw); r != CommandResult::kAccepted) return r;
  setpoint_pu_ = mw / p_.rating_mw;
  return CommandResult::kAccepted;
}

void Turbine::trip(TripCause cause) {
  if (state_ == TurbineState::kTripped || state_ == TurbineState::kOff ||
      state_ == TurbineState::kCooldown)
    return;
  ++counters_.trips;
  if (cause == TripCause::kFailToStart) ++counters_.failed_starts;
  trip_cause_ = cause;
  cut_fuel();  // the fuel stop valve shuts and the breaker opens: output falls at once
  enter(TurbineState::kTripped);
}

void Turbine::cut_fuel() {
  ref_pu_ = valve_pu_ = pm_pu_ = exhaust_pu_ = 0;
  valve_saturation_ = 0;
  load_limit_pu_ = 1.0;
  electrical_mw_ = 0;
  underfrequency_s_ = overfrequency_s_ = 0;
}

void Turbine::force_online(double mw) {
  setpoint_pu_ = ref_pu_ = valve_pu_ = pm_pu_ = exhaust_pu_ = mw / p_.rating_mw;
  load_limit_pu_ = 1.0;
  electrical_mw_ = mw;
  enter(TurbineState::kOnline);
}

void Turbine::absorb_isochronous(double isochronous_pu) {
  if (!breaker_closed()) return;
  ref_pu_ = std::clamp(ref_pu_ + isochronous_pu, 0.0, 1.0);
}

double Turbine::fuel_mmbtu_per_h() const {
  const double full_mmbtu_per_h = site::full_load_fuel_mmbtu_per_h(p_);
  switch (state_) {
    case TurbineState::kIgniting:
    case TurbineState::kAccelerating:
    case TurbineState::kSynchronising:
      return full_mmbtu_per_h * p_.no_load_fuel_pu;
    case TurbineState::kLoading:
    case TurbineState::kOnline:
    case TurbineState::kUnloading:
      return full_mmbtu_per_h * site::fuel_pu_at_load(p_, pm_pu_);
    default:
      return 0;
  }
}

bool Turbine::starting() const {
  switch (state_) {
    case TurbineState::kIgniting:
    case TurbineState::kAccelerating:
    case TurbineState::kSynchronising:
    case TurbineState::kLoading:
      return true;
    default:
      return false;
  }
}

// A DLE combustor holds its low NOx only in its lean-premix range; below it (and in
// the diffusion-flame start-up) the flame burns hotter in its pilot zone.
// Within the online tolerance: a unit that came online at minimum stable load (the
// DLE threshold by default) runs in its low-NOx mode.
bool Turbine::low_nox_mode() const {
  return site::nox_ppm_at_load(p_, pm_pu_, starting()) == p_.nox_ppm;
}

double Turbine::nox_ppm_now() const {
  if (fuel_mmbtu_per_h() <= 0) return 0;
  return site::nox_ppm_at_load(p_, pm_pu_, starting());
}

void Turbine::step_sequence(double dt_s) {
  state_s_ += dt_s;
  const double phase_s = phase_duration_s(state_);
  // A timed phase ends in the step that reaches its duration; the overshoot is
  // carried into the next phase so the sequence keeps its configured total.
  const bool phase_done = state_s_ >= phase_s - 1e-9;
  const double carry_s = std::max(0.0, state_s_ - phase_s);
  auto next = [&](TurbineState s) {
    enter(s);
    state_s_ = carry_s;
  };
  switch (state_) {
    case TurbineState::kPurging:
      if (phase_done) next(TurbineState::kIgniting);
      break;
    case TurbineState::kIgniting:
      if (phase_done) {
        if (will_fail_) {
          trip(TripCause::kFailToStart);  // no flame established
        } else {
          next(TurbineState::kAccelerating);
        }
      }
      break;
    case TurbineState::kAccelerating:
      if (phase_done) next(TurbineState::kSynchronising);
      break;
    case TurbineState::kSynchronising:
      if (phase_done) {
        cut_fuel();  // the breaker closes at no load
        next(TurbineState::kLoading);
      }
      break;
    case TurbineState::kLoading:
      // The output approaches the reference through two lags: online within 0.1 %.
      if (ref_pu_ >= p_.min_stable_load_pu &&
          pm_pu_ >= p_.min_stable_load_pu * (1 - kOnlineTolerancePu))
        enter(TurbineState::kOnline);
      break;
    case TurbineState::kUnloading:
      if (ref_pu_ <= 0 && pm_pu_ <= 1e-3) {
        cut_fuel();  // the breaker opens at no load
        enter(TurbineState::kCooldown);
      }
      break;
    case TurbineState::kCooldown:
      if (phase_done) next(TurbineState::kOff);
      break;
    default:
      break;
  }
}

void Turbine::step_governor(double dt_s, double speed_pu, double isochronous_pu) {
  const double max_step_pu = p_.ramp_rate_pu_per_min / 60.0 * dt_s;
  double target_pu = setpoint_pu_;
  if (state_ == TurbineState::kLoading) {
    target_pu = std::max(setpoint_pu_, p_.min_stable_load_pu);
  } else if (state_ == TurbineState::kUnloading) {
    target_pu = 0;
  }
  ref_pu_ += std::clamp(target_pu - ref_pu_, -max_step_pu, max_step_pu);

  // Speed demand down to no load: minimum stable load bounds the set-point, not droop.
  const double wanted_pu = ref_pu_ + (1.0 - speed_pu) / p_.droop_pu + isochronous_pu;
  const double speed_demand_pu = std::clamp(wanted_pu, 0.0, 1.0);
  const double gate_pu = std::min(speed_demand_pu, load_limit_pu_);  // low-value gate
  const double valve_step_pu = (gate_pu - valve_pu_) * lag_factor(dt_s, p_.valve_time_constant_s);
  const double opening_pu = p_.valve_open_rate_pu_per_s * dt_s;
  const double closing_pu = p_.valve_close_rate_pu_per_s * dt_s;
  valve_pu_ += std::clamp(valve_step_pu, -closing_pu, opening_pu);
  valve_saturation_ = 0;
  if (valve_step_pu > opening_pu || wanted_pu > gate_pu) valve_saturation_ = 1;
  if (valve_step_pu < -closing_pu || wanted_pu < 0.0) valve_saturation_ = -1;
  pm_pu_ += (valve_pu_ - pm_pu_) * lag_factor(dt_s, p_.turbine_time_constant_s);
  step_load_limiter(dt_s, gate_pu);
}

// GGOV1's load limiter: a PI on the lagged exhaust signal, its integrator tracking the
// gate's output, so it sits above the speed demand until the exhaust reaches Ldref
// and then holds it there. Both updates are exact lags, stable at any step.
void Turbine::step_load_limiter(double dt_s, double gate_pu) {
  exhaust_pu_ += (pm_pu_ - exhaust_pu_) * lag_factor(dt_s, p_.load_limit_time_constant_s);
  const double target_pu = gate_pu + p_.load_limit_kp * (p_.load_limit_pu - exhaust_pu_);
  load_limit_pu_ += (target_pu - load_limit_pu_) * lag_factor(dt_s, 1.0 / p_.load_limit_ki_per_s);
  load_limit_pu_ = std::clamp(load_limit_pu_, 0.0, 1.0);
}

void Turbine::account(double dt_s) {
  if (breaker_closed()) counters_.run_s += dt_s;
  const double fuel_mmbtu = fuel_mmbtu_per_h() * dt_s / 3600.0;
  const double nox_kg =
      fuel_mmbtu * (low_nox_mode() ? nox_kg_per_mmbtu_ : part_load_nox_kg_per_mmbtu_);
  counters_.fuel_mmbtu += fuel_mmbtu;
  counters_.co2_kg += fuel_mmbtu * p_.co2_kg_per_mmbtu;
  counters_.nox_kg += nox_kg;
  if (starting()) {
    counters_.startup_fuel_mmbtu += fuel_mmbtu;
    counters_.startup_nox_kg += nox_kg;
  }
}

// Over-speed trips at once; the frequency relays after their delays.
void Turbine::step_protection(double dt_s, double speed_pu, double frequency_hz) {
  if (speed_pu >= p_.overspeed_trip_pu) {
    trip(TripCause::kOverspeed);
    return;
  }
  const bool over = frequency_hz >= p_.overfrequency_trip_hz;
  overfrequency_s_ = over ? overfrequency_s_ + dt_s : 0;
  underfrequency_s_ = frequency_hz < p_.underfrequency_trip_hz ? underfrequency_s_ + dt_s : 0;
  if (over && overfrequency_s_ >= p_.overfrequency_trip_s - 1e-9) {
    overfrequency_s_ = 0;
    trip(TripCause::kOverfrequency);
  } else if (underfrequency_s_ >= p_.underfrequency_trip_s) {
    underfrequency_s_ = 0;
    trip(TripCause::kUnderfrequency);
  }
}

void Turbine::step(double dt_s, double speed_pu, double isochronous_pu, double frequency_hz) {
  if (breaker_closed()) step_protection(dt_s, speed_pu, frequency_hz);
  if (breaker_closed()) step_governor(dt_s, speed_pu, isochronous_pu);
  account(dt_s);
  step_sequence(dt_s);
}

}  // namespace sim
