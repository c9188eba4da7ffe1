#include "sim/plant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sim {

namespace {
constexpr double kHoursPerSecond = 1.0 / 3600.0;
// The island's isochronous term is bounded to one unit rating either way.
constexpr double kIsochronousLimitPu = 1.0;
}  // namespace

Plant::Plant(const site::Site& site, const PlantOptions& options)
    : site_(std::make_shared<const site::Site>(site)),
      step_s_(options.step_s),
      rng_(options.seed),
      grid_(site_->grid),
      pods_(*site_, rng_),
      measurements_(*site_) {
  for (const site::TurbineGroup& g : site_->turbine_groups)
    for (int k = 0; k < g.count; ++k)
      turbines_.emplace_back(g);
  forced_fail_.assign(turbines_.size(), 0);
  if (site_->has_battery) battery_.emplace(site_->battery);
  // Start in steady state: cooling already matches the IT load as found.
  pods_.step(0, 0);
  cooling_mw_ = pods_.it_mw() * site_->facility.cooling_pu;
  state_.frequency_hz = site_->grid.nominal_frequency_hz;
}

void Plant::set_turbine_online(int unit, double mw) {
  turbines_[static_cast<size_t>(unit)].force_online(mw);
}
void Plant::set_breaker_closed(bool closed) {
  grid_.set_breaker_closed(closed);
}
void Plant::set_battery_soc(double soc_pu) {
  if (battery_) battery_->set_soc_pu(soc_pu);
}

CommandResult Plant::turbine_start(int unit) {
  if (!device_answers(measurements_.turbine_device(unit))) return CommandResult::kNoResponse;
  const size_t u = static_cast<size_t>(unit);
  bool fail = forced_fail_[u] != 0;
  const double p = turbines_[u].params().fail_to_start_probability;
  if (p > 0 && rng_.uniform() < p) fail = true;
  const CommandResult r = turbines_[u].start(fail);
  if (r == CommandResult::kAccepted) forced_fail_[u] = 0;
  return r;
}

CommandResult Plant::turbine_stop(int unit) {
  if (!device_answers(measurements_.turbine_device(unit))) return CommandResult::kNoResponse;
  return turbines_[static_cast<size_t>(unit)].stop();
}

CommandResult Plant::turbine_reset(int unit) {
  if (!device_answers(measurements_.turbine_device(unit))) return CommandResult::kNoResponse;
  return turbines_[static_cast<size_t>(unit)].reset();
}

CommandResult Plant::turbine_setpoint(int unit, double mw) {
  if (!device_answers(measurements_.turbine_device(unit))) return CommandResult::kNoResponse;
  return turbines_[static_cast<size_t>(unit)].set_setpoint_mw(mw);
}

CommandResult Plant::turbine_setpoint_allowed(int unit, double mw) const {
  if (!device_answers(measurements_.turbine_device(unit))) return CommandResult::kNoResponse;
  return turbines_[static_cast<size_t>(unit)].setpoint_allowed(mw);
}

CommandResult Plant::pod_cap(int pod, double mw) {
  return pods_.set_cap_mw(pod, mw, time_s());
}
CommandResult Plant::pod_floor(int pod, double mw) {
  return pods_.set_floor_mw(pod, mw, time_s());
}

CommandResult Plant::battery_setpoint(double mw) {
  if (!battery_) return CommandResult::kNotPermitted;
  if (!device_answers(measurements_.battery_device())) return CommandResult::kNoResponse;
  return battery_->set_setpoint_mw(mw);
}

CommandResult Plant::battery_setpoint_allowed(double mw) const {
  if (!battery_) return CommandResult::kNotPermitted;
  if (!device_answers(measurements_.battery_device())) return CommandResult::kNoResponse;
  return battery_->setpoint_allowed(mw);
}

CommandResult Plant::breaker_close() {
  if (!device_answers(measurements_.poi_device())) return CommandResult::kNoResponse;
  return grid_.close(state_.blackout ? 0.0 : state_.frequency_hz, time_s());
}

CommandResult Plant::breaker_open() {
  if (!device_answers(measurements_.poi_device())) return CommandResult::kNoResponse;
  return grid_.open();
}

void Plant::frequency_excursion(double hz, double duration_s) {
  grid_.frequency_excursion(hz, duration_s, time_s());
}

void Plant::voltage_sag(double pu, double duration_s) {
  grid_.voltage_sag(pu, duration_s, time_s());
}

void Plant::load_surge(double mw, double duration_s) {
  surge_mw_ = mw;
  surge_until_s_ = duration_s > 0 ? time_s() + duration_s : std::numeric_limits<double>::infinity();
}

void Plant::freeze_point(int point, double duration_s) {
  measurements_.freeze(point, true_value(point), duration_s, time_s());
}

void Plant::stick_point(int point, double value, double duration_s) {
  measurements_.stick(point, value, duration_s, time_s());
}

void Plant::device_silent(int device, double duration_s) {
  measurements_.silence(device, duration_s, time_s());
  update_pod_gateways();
}

// Pod gateways refuse commands themselves (PodFleet), so their flags follow the
// silence schedule; the check runs only when a silence may have ended.
void Plant::update_pod_gateways() {
  const double now = time_s();
  next_silence_check_s_ = -1;
  for (int p = 0; p < pods_.size(); ++p) {
    const int d = measurements_.pod_device(p);
    const bool answers = !measurements_.silent(d, now);
    pods_.set_responding(p, answers);
    if (!answers) {
      const double until = now + 1.0;  // re-check each second of virtual time
      if (next_silence_check_s_ < 0 || until < next_silence_check_s_) next_silence_check_s_ = until;
    }
  }
}

double Plant::true_value(int point) const {
  const Point& p = measurements_.points()[static_cast<size_t>(point)];
  switch (p.quantity) {
    case Quantity::kPoiImportMw:
      return state_.import_mw;
    case Quantity::kPoiGridFrequencyHz:
      return grid_.frequency_hz();
    case Quantity::kPoiVoltagePu:
      return grid_.voltage_pu();
    case Quantity::kPoiBreakerClosed:
      return grid_.breaker_closed() ? 1 : 0;
    case Quantity::kPoiGridAvailable:
      return grid_.available() ? 1 : 0;
    case Quantity::kPoiBusFrequencyHz:
      return state_.frequency_hz;
    case Quantity::kPoiRocofHzPerS:
      return state_.rocof_hz_per_s;
    case Quantity::kFacilityLoadMw:
      return state_.load_mw + state_.losses_mw;
    case Quantity::kTurbinePowerMw:
      return turbine(p.index).mechanical_mw();
    case Quantity::kTurbineSetpointMw:
      return turbine(p.index).setpoint_mw();
    case Quantity::kTurbineState:
      return static_cast<double>(turbine(p.index).state());
    case Quantity::kTurbineRunHours:
      return turbine(p.index).counters().run_s / 3600.0;
    case Quantity::kPodPowerMw:
      return state_.blackout ? 0.0 : pods_.power_mw(p.index);
    case Quantity::kPodCapMw:
      return pods_.cap_mw(p.index);
    case Quantity::kPodFloorMw:
      return pods_.floor_mw(p.index);
    case Quantity::kBatteryPowerMw:
      return battery_ ? battery_->power_mw() : 0.0;
    case Quantity::kBatterySocPu:
      return battery_ ? battery_->soc_pu() : 0.0;
  }
  return 0;
}

Measurement Plant::measure(int point) {
  return measurements_.read(point, true_value(point), time_s());
}

void Plant::step_island(double dt_s, double mechanical_mw, double battery_mw, double demand_mw) {
  double rating_mw = 0, inertia_mws = 0;
  for (const Turbine& t : turbines_)
    if (t.breaker_closed()) {
      rating_mw += t.rating_mw();
      inertia_mws += t.inertia_mws();
    }
  if (battery_forms_island()) {
    rating_mw += battery_->params().power_mw;
    inertia_mws += battery_->params().virtual_inertia_h_s * battery_->params().power_mw;
  }
  const bool was_blackout = state_.blackout;
  state_.blackout = rating_mw <= 0;
  if (state_.blackout) {
    speed_pu_ = 0;
    isochronous_pu_ = 0;
    state_.rocof_hz_per_s = 0;
    return;
  }
  if (was_blackout) speed_pu_ = 1.0;  // the first unit energises the dead bus
  const double damping_mw = site_->island.load_damping_pu * rating_mw * (speed_pu_ - 1.0);
  const double accel_pu_per_s =
      (mechanical_mw + battery_mw - demand_mw - damping_mw) / (2.0 * inertia_mws);
  speed_pu_ += accel_pu_per_s * dt_s;
  state_.rocof_hz_per_s = accel_pu_per_s * site_->grid.nominal_frequency_hz;
  state_.kinetic_mws = inertia_mws * speed_pu_ * speed_pu_;
  state_.load_mw += damping_mw;
  if (site_->island.governor == site::IslandGovernor::kIsochronous)
    isochronous_pu_ = std::clamp(
        isochronous_pu_ + site_->island.isochronous_gain_per_s * (1.0 - speed_pu_) * dt_s,
        -kIsochronousLimitPu, kIsochronousLimitPu);
}

void Plant::step() {
  const double dt = step_s_;
  const double now = time_s();
  if (next_silence_check_s_ >= 0 && now >= next_silence_check_s_) update_pod_gateways();

  if (grid_.step(now, dt)) {
    // Back on the grid: the island's isochronous share becomes each unit's reference.
    for (Turbine& t : turbines_)
      t.absorb_isochronous(isochronous_pu_);
    isochronous_pu_ = 0;
  }
  const bool connected = grid_.connected();
  const double f0 = site_->grid.nominal_frequency_hz;
  if (connected) {
    const double previous_hz = state_.frequency_hz;
    speed_pu_ = grid_.frequency_hz() / f0;
    state_.rocof_hz_per_s = (grid_.frequency_hz() - previous_hz) / dt;
    state_.blackout = false;
    isochronous_pu_ = 0;
  }

  // Loads.
  pods_.step(now, dt);
  const site::Facility& fac = site_->facility;
  cooling_mw_ +=
      (pods_.it_mw() * fac.cooling_pu - cooling_mw_) *
      (fac.cooling_time_constant_s > 0 ? 1.0 - std::exp(-dt / fac.cooling_time_constant_s) : 1.0);
  if (surge_until_s_ >= 0 && now >= surge_until_s_) {
    surge_mw_ = 0;
    surge_until_s_ = -1;
  }
  // IT that rides on its UPS batteries (sim/ups.hpp) leaves the bus with its losses;
  // the batteries refill off it. The island's bus holds its voltage.
  ups_.step(now, dt, connected ? grid_.it_voltage_pu() : 1.0, pods_, fac.conversion_loss_pu);
  state_.pods_on_ups = ups_.pods_on_ups();
  state_.ups_mw = ups_.ups_mw();
  state_.ups_unserved_mw = ups_.unserved_it_mw();
  const double losses_mw = ups_.bus_it_mw() * fac.conversion_loss_pu;
  const double load_mw =
      ups_.bus_it_mw() + ups_.recharge_mw() + cooling_mw_ + fac.fixed_mw + surge_mw_;

  // Sources.
  // A unit closing onto a dead bus sees rated speed, not the dead bus's zero.
  const double governor_speed_pu = state_.blackout ? 1.0 : speed_pu_;
  const double frequency_hz = governor_speed_pu * f0;
  const double iso = connected ? 0.0 : isochronous_pu_;
  double mechanical_mw = 0;
  int online = 0;
  for (Turbine& t : turbines_) {
    t.step(dt, governor_speed_pu, iso, frequency_hz);
    if (t.breaker_closed()) {
      mechanical_mw += t.mechanical_mw();
      ++online;
    }
  }
  double battery_mw = 0;
  if (battery_ && (!state_.blackout || battery_forms_island())) {
    // Islanded, a grid-forming battery answers the frequency along its droop at once.
    const double response_mw =
        !connected && battery_forms_island()
            ? (1.0 - governor_speed_pu) / battery_->params().droop_pu * battery_->params().power_mw
            : 0.0;
    battery_->step(dt, response_mw);
    battery_mw = battery_->power_mw();
  }

  state_.time_s = now + dt;
  state_.islanded = !connected;
  state_.cooling_mw = cooling_mw_;
  state_.surge_mw = surge_mw_;
  state_.demand_mw = pods_.demand_it_mw() * (1 + fac.conversion_loss_pu + fac.cooling_pu) +
                     fac.fixed_mw + surge_mw_;
  state_.load_mw = load_mw;
  state_.losses_mw = losses_mw;
  state_.it_mw = pods_.it_mw();
  state_.mechanical_mw = mechanical_mw;
  state_.battery_mw = battery_mw;
  state_.units_online = online;
  state_.voltage_pu = connected ? grid_.voltage_pu() : 1.0;
  state_.isochronous_pu = isochronous_pu_;
  if (connected) {
    state_.kinetic_mws = 0;
    for (const Turbine& t : turbines_)
      if (t.breaker_closed()) state_.kinetic_mws += t.inertia_mws() * speed_pu_ * speed_pu_;
    state_.generation_mw = mechanical_mw;
    state_.import_mw = load_mw + losses_mw - mechanical_mw - battery_mw;
  } else {
    step_island(dt, mechanical_mw, battery_mw, load_mw + losses_mw);
    state_.import_mw = 0;
    if (state_.blackout) {
      state_.it_mw = state_.cooling_mw = state_.load_mw = state_.losses_mw = 0;
      state_.generation_mw = state_.battery_mw = state_.kinetic_mws = 0;
    } else {
      // Electrical output: what the bus takes; the rest went into (or came out of) the rotors.
      state_.generation_mw = state_.load_mw + state_.losses_mw - battery_mw;
    }
  }
  state_.speed_pu = speed_pu_;
  state_.frequency_hz = state_.blackout ? 0.0 : speed_pu_ * f0;
  ++ticks_;
  accumulate(dt);
}

void Plant::accumulate(double dt_s) {
  const double h = dt_s * kHoursPerSecond;
  PlantTotals& t = totals_;
  t.it_mwh += state_.it_mw * h;
  t.load_mwh += state_.load_mw * h;
  t.losses_mwh += state_.losses_mw * h;
  t.generation_mwh += state_.generation_mw * h;
  t.mechanical_mwh += state_.blackout ? 0.0 : state_.mechanical_mw * h;
  if (state_.import_mw >= 0) {
    t.import_mwh += state_.import_mw * h;
  } else {
    t.export_mwh -= state_.import_mw * h;
  }
  if (state_.battery_mw >= 0) {
    t.battery_discharge_mwh += state_.battery_mw * h;
  } else {
    t.battery_charge_mwh -= state_.battery_mw * h;
  }
  if (state_.blackout) {
    t.unserved_mwh += state_.demand_mw * h;
    t.blackout_s += dt_s;
  } else {
    t.curtailed_mwh += pods_.curtailed_mw() * h;
    t.floor_burn_mwh += pods_.floor_burn_mw() * h;
    t.min_frequency_hz = std::min(t.min_frequency_hz, state_.frequency_hz);
    t.max_frequency_hz = std::max(t.max_frequency_hz, state_.frequency_hz);
  }
  if (state_.islanded) t.islanded_s += dt_s;
  t.max_import_mw = std::max(t.max_import_mw, state_.import_mw);
}

void Plant::run_for(double duration_s) {
  const auto steps = static_cast<std::int64_t>(std::llround(duration_s / step_s_));
  for (std::int64_t i = 0; i < steps; ++i)
    step();
}

}  // namespace sim
