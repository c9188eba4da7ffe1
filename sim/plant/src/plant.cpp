#include "sim/plant.hpp"

#include "sim/island_bus.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sim {

namespace {
constexpr double kHoursPerSecond = 1.0 / 3600.0;
// The island's isochronous term is bounded to one unit rating either way.
constexpr double kIsochronousLimitPu = 1.0;
// It integrates the speed error averaged over a few training iterations, so that
// which way the valves are held back within one swing does not bias it.
constexpr double kIsochronousMeanS = 5.0;
// An islanded bus beyond these speeds has collapsed (Plant::collapse_bus).
constexpr double kCollapseSpeedPu = 0.8;
constexpr double kRunawaySpeedPu = 1.2;
// A shortfall's collapsing voltage as the loads and relays see it: below every
// UPS transfer threshold, at IEEE 1547-2018's UV2 setting, whose clock the
// sources' undervoltage trip runs on ([island] undervoltage_trip_s).
constexpr double kCollapsedVoltagePu = 0.45;
constexpr double kShortfallMw = 1e-6;
// Wide-range IT power supplies run down to about half their nominal input
// (90-264 V units on 200-240 V); below it, past their hold-up, they drop out [assumption].
constexpr double kPsuDropoutPu = 0.5;
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
  // No auxiliary power on a dead bus: only a black-start unit can crank.
  if (bus_dead() && !turbines_[u].params().black_start) return CommandResult::kNotPermitted;
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

int Plant::pod_status_bits(int pod) const {
  return (pods_.cap_mw(pod) < pods_.compute_mw(pod) ? 1 : 0) + (pods_.floor_mw(pod) > 0 ? 2 : 0) +
         (pods_.dark(pod) ? 8 : 0) + (pods_.booting(pod) ? 16 : 0) + (ups_.carries(pod) ? 32 : 0);
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
      return turbine(p.index).electrical_mw();
    case Quantity::kTurbineMechanicalMw:
      return turbine(p.index).mechanical_mw();
    case Quantity::kTurbineSetpointMw:
      return turbine(p.index).setpoint_mw();
    case Quantity::kTurbineState:
      return static_cast<double>(turbine(p.index).state());
    case Quantity::kTurbineRunHours:
      return turbine(p.index).counters().run_s / 3600.0;
    case Quantity::kTurbineTripCause:
      return static_cast<double>(turbine(p.index).trip_cause());
    case Quantity::kPodPowerMw:
      // Dark, a pod's gateway reads nothing; on its UPS, what the UPS carries.
      return state_.blackout && !ups_.carries(p.index) ? 0.0 : pods_.power_mw(p.index);
    case Quantity::kPodCapMw:
      return pods_.cap_mw(p.index);
    case Quantity::kPodStatus:
      return static_cast<double>(pod_status_bits(p.index));
    case Quantity::kPodFloorMw:
      return pods_.floor_mw(p.index);
    case Quantity::kPodIterationPhaseS:
      return pods_.iteration_phase_s(p.index);
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

// The frequency-dependent load's dP/dw in MW per pu: the share of cooling on
// motors direct on line, with D on its own base.
double Plant::damping_mw_per_pu() const {
  return site_->island.load_damping_pu * site_->facility.cooling_frequency_dependent_pu *
         cooling_mw_;
}

// Each pod's supply for the next step: on the bus, the bus's voltage within its
// PSUs' hold-up; on its UPS, the UPS's energy.
void Plant::supply_pods(double now_s, double dt_s, double it_voltage_pu) {
  low_voltage_s_ = it_voltage_pu < kPsuDropoutPu ? low_voltage_s_ + dt_s : 0.0;
  // The usual step: every pod lit and on a healthy bus; nothing changes.
  if (low_voltage_s_ == 0 && ups_.pods_on_ups() == 0 && pods_.dark_pods() == 0) return;
  for (int p = 0; p < pods_.size(); ++p) {
    const double hold_up_s =
        site_->pod_groups[static_cast<size_t>(pods_.group(p))].ups.psu_hold_up_s;
    const bool supplied = ups_.on_bus(p) ? low_voltage_s_ <= hold_up_s + 1e-9 : ups_.carries(p);
    pods_.supply(p, supplied, now_s);
  }
}

void Plant::step_loads(double now_s, double dt_s) {
  pods_.step(now_s, dt_s);
  const site::Facility& fac = site_->facility;
  // IT that rides on its UPS batteries (sim/ups.hpp) leaves the bus with its losses;
  // the batteries refill off it. An island's bus holds its voltage unless it is
  // dark or short of sources. Pods with no supply go dark and power on again
  // after their delay (supply_pods): they neither compute nor heat meanwhile.
  const double it_voltage_pu = grid_.connected() ? grid_.it_voltage_pu() : island_voltage_pu_;
  ups_.step(now_s, dt_s, it_voltage_pu, pods_, fac.conversion_loss_pu);
  supply_pods(now_s, dt_s, it_voltage_pu);
  state_.pods_on_ups = ups_.pods_on_ups();
  state_.ups_mw = ups_.ups_mw();
  state_.ups_unserved_mw = ups_.unserved_it_mw();
  const double running_it_mw = pods_.it_mw() - state_.ups_unserved_mw;
  cooling_mw_ +=
      (running_it_mw * fac.cooling_pu - cooling_mw_) *
      (fac.cooling_time_constant_s > 0 ? 1.0 - std::exp(-dt_s / fac.cooling_time_constant_s) : 1.0);
  if (surge_until_s_ >= 0 && now_s >= surge_until_s_) {
    surge_mw_ = 0;
    surge_until_s_ = -1;
  }
  losses_mw_ = ups_.bus_it_mw() * fac.conversion_loss_pu;
  // A negative surge sheds non-GPU load: no more of it than is running.
  applied_surge_mw_ = std::max(surge_mw_, -(cooling_mw_ + fac.fixed_mw));
  load_mw_ = ups_.bus_it_mw() + ups_.recharge_mw() + cooling_mw_ + fac.fixed_mw + applied_surge_mw_;
}

// Steps every unit on the bus's speed; returns the online units' mechanical power.
double Plant::step_turbines(double dt_s, bool connected) {
  // A unit closing onto a dead bus sees rated speed, not the dead bus's zero.
  const double governor_speed_pu = state_.blackout ? 1.0 : speed_pu_;
  const double frequency_hz = governor_speed_pu * site_->grid.nominal_frequency_hz;
  const double iso = connected ? 0.0 : isochronous_pu_;
  double mechanical_mw = 0;
  for (Turbine& t : turbines_) {
    t.step(dt_s, governor_speed_pu, iso, frequency_hz);
    if (t.breaker_closed()) mechanical_mw += t.mechanical_mw();
  }
  return mechanical_mw;
}

// Each unit's electrical output: its mechanical power less its share of what
// the rotors took up (all rotors turn at the bus's speed, so the share is H S).
void Plant::share_electrical(double electrical_mw, double mechanical_mw, double rotor_inertia_mws) {
  const double taken_up_mw = mechanical_mw - electrical_mw;
  for (Turbine& t : turbines_) {
    if (!t.breaker_closed()) {
      t.set_electrical_mw(0);
      continue;
    }
    const double share = rotor_inertia_mws > 0 ? t.inertia_mws() / rotor_inertia_mws : 0.0;
    t.set_electrical_mw(t.mechanical_mw() - share * taken_up_mw);
  }
}

// Grid-connected: the stiff grid sets the speed; the rotors give up (or take)
// kinetic energy as it moves, and the POI carries the balance.
void Plant::step_connected(double dt_s, double mechanical_mw) {
  const double previous_speed_pu = speed_pu_;
  speed_pu_ = grid_.frequency_hz() / site_->grid.nominal_frequency_hz;
  state_.rocof_hz_per_s = (speed_pu_ - previous_speed_pu) * site_->grid.nominal_frequency_hz / dt_s;
  state_.blackout = false;
  isochronous_pu_ = 0;
  mean_speed_pu_ = speed_pu_;
  island_voltage_pu_ = 1.0;
  shortfall_s_ = 0;
  state_.shortfall = false;
  double rotor_inertia_mws = 0;
  for (const Turbine& t : turbines_)
    if (t.breaker_closed()) rotor_inertia_mws += t.inertia_mws();
  const double rotor_uptake_mw =
      rotor_inertia_mws * (speed_pu_ * speed_pu_ - previous_speed_pu * previous_speed_pu) / dt_s;
  share_electrical(mechanical_mw - rotor_uptake_mw, mechanical_mw, rotor_inertia_mws);
  if (battery_) battery_->step(dt_s);
  const double battery_mw = battery_ ? battery_->power_mw() : 0.0;
  state_.load_mw = load_mw_ + damping_mw_per_pu() * (speed_pu_ - 1.0);
  state_.losses_mw = losses_mw_;
  state_.unserved_mw = 0;
  state_.mechanical_mw = mechanical_mw;
  state_.generation_mw = mechanical_mw - rotor_uptake_mw;
  state_.battery_mw = battery_mw;
  state_.kinetic_mws = rotor_inertia_mws * speed_pu_ * speed_pu_;
  state_.import_mw = state_.load_mw + state_.losses_mw - state_.generation_mw - state_.battery_mw;
}

void Plant::step_island(double dt_s, double mechanical_mw) {
  IslandBusInputs in;
  in.dt_s = dt_s;
  for (const Turbine& t : turbines_)
    if (t.breaker_closed()) in.rotor_inertia_mws += t.inertia_mws();
  const bool forming = battery_forms_island();
  const bool was_blackout = state_.blackout;
  state_.blackout = in.rotor_inertia_mws <= 0 && !forming;
  if (state_.blackout) {
    speed_pu_ = 0;
    isochronous_pu_ = 0;
    mean_speed_pu_ = 1.0;
    island_voltage_pu_ = 0;
    shortfall_s_ = 0;
    state_.shortfall = false;
    cooling_mw_ = 0;  // the chillers and fans stopped with the bus
    state_.rocof_hz_per_s = 0;
    if (battery_) battery_->deliver(dt_s, 0);
    share_electrical(0, 0, 0);
    return;
  }
  if (was_blackout) {
    speed_pu_ = 1.0;  // the first source energises the dead bus
    island_voltage_pu_ = 1.0;
  }
  in.speed_pu = speed_pu_;
  in.mechanical_mw = mechanical_mw;
  in.load_mw = load_mw_ + losses_mw_;
  in.damping_mw_per_pu = damping_mw_per_pu();
  in.rotor_max_electrical_mw = 0;
  for (const Turbine& t : turbines_)
    if (t.breaker_closed())
      in.rotor_max_electrical_mw += t.params().short_time_current_pu * t.rating_mw();
  in.battery_forming = forming;
  if (battery_) {
    const double setpoint_mw = battery_->advance_setpoint(dt_s);
    const site::Battery& b = battery_->params();
    in.battery_setpoint_mw = forming ? setpoint_mw : 0.0;
    in.battery_fixed_mw = forming ? 0.0
                                  : std::clamp(setpoint_mw, -battery_->max_charge_mw(dt_s),
                                               battery_->max_discharge_mw(dt_s));
    in.battery_droop_mw_per_pu = forming ? b.power_mw / b.droop_pu : 0.0;
    in.battery_inertia_mws = forming ? 2.0 * b.virtual_inertia_h_s * b.power_mw : 0.0;
    in.battery_max_discharge_mw = battery_->max_discharge_mw(dt_s);
    in.battery_max_charge_mw = battery_->max_charge_mw(dt_s);
  }
  const IslandBusStep bus = solve_island_bus(in);
  if (battery_) battery_->deliver(dt_s, bus.battery_mw);
  state_.rocof_hz_per_s = (bus.speed_pu - speed_pu_) * site_->grid.nominal_frequency_hz / dt_s;
  speed_pu_ = bus.speed_pu;
  share_electrical(bus.electrical_mw, mechanical_mw, in.rotor_inertia_mws);

  // What the bus served, split back into the loads and the losses.
  const double demand_mw = load_mw_ + losses_mw_ + in.damping_mw_per_pu * (speed_pu_ - 1.0);
  const double served_pu = demand_mw > 0 ? bus.served_mw / demand_mw : 1.0;
  state_.load_mw = (load_mw_ + in.damping_mw_per_pu * (speed_pu_ - 1.0)) * served_pu;
  state_.losses_mw = losses_mw_ * served_pu;
  state_.unserved_mw = bus.unserved_mw;
  state_.mechanical_mw = mechanical_mw;
  state_.generation_mw = bus.electrical_mw;
  state_.battery_mw = battery_ ? battery_->power_mw() : 0.0;
  state_.kinetic_mws = in.rotor_inertia_mws * speed_pu_ * speed_pu_;
  state_.import_mw = 0;
  if (site_->island.governor == site::IslandGovernor::kIsochronous) step_isochronous(dt_s);
  watch_shortfall(dt_s, bus.unserved_mw);
  if (speed_pu_ < kCollapseSpeedPu || speed_pu_ > kRunawaySpeedPu)
    collapse_bus(speed_pu_ < 1.0 ? TripCause::kUnderfrequency : TripCause::kOverspeed);
}

// Constant-power loads that the sources cannot carry have no operating point:
// the voltage collapses, the UPS see it and may take their IT off the bus, and a
// shortfall that outlasts the undervoltage clearing time trips every source.
void Plant::watch_shortfall(double dt_s, double unserved_mw) {
  state_.shortfall = unserved_mw > kShortfallMw;
  shortfall_s_ = state_.shortfall ? shortfall_s_ + dt_s : 0.0;
  island_voltage_pu_ = state_.shortfall ? kCollapsedVoltagePu : 1.0;
  if (state_.shortfall && shortfall_s_ >= site_->island.undervoltage_trip_s - 1e-9)
    collapse_bus(TripCause::kUndervoltage);
}

// The island's shared isochronous integral, with conditional integration: it
// does not push the way no online unit's valve can move. Without that, a valve
// held at its rate limit by fast load swings lets the integral wind up, and the
// island falls into a growing oscillation that ends in an over-frequency trip.
void Plant::step_isochronous(double dt_s) {
  mean_speed_pu_ += (speed_pu_ - mean_speed_pu_) * (1.0 - std::exp(-dt_s / kIsochronousMeanS));
  const double push_pu = site_->island.isochronous_gain_per_s * (1.0 - mean_speed_pu_) * dt_s;
  const int direction = push_pu > 0 ? 1 : -1;
  bool any_unit_free = false;
  for (const Turbine& t : turbines_)
    if (t.breaker_closed() && t.valve_saturation() != direction) any_unit_free = true;
  if (!any_unit_free) return;
  isochronous_pu_ =
      std::clamp(isochronous_pu_ + push_pu, -kIsochronousLimitPu, kIsochronousLimitPu);
}

// Past these speeds every unit's and inverter's protection has long acted (the
// model's floor and ceiling, should the configured settings leave a gap).
void Plant::collapse_bus(TripCause cause) {
  for (Turbine& t : turbines_)
    t.trip(cause);
  if (battery_) battery_->trip();
  shortfall_s_ = 0;
}

// The inverter's frequency relays, on whatever bus it stands on.
void Plant::protect_battery(double dt_s) {
  if (!battery_) return;
  if (battery_->tripped()) {
    battery_->step_tripped(dt_s);
    return;
  }
  if (!state_.blackout) battery_->protect(dt_s, state_.frequency_hz);
}

// A unit's starter and auxiliaries need a live bus, unless it has its own
// black-start package: on a dead bus the others' starts fail.
void Plant::abort_dead_bus_starts() {
  if (!bus_dead()) return;
  for (Turbine& t : turbines_) {
    const TurbineState s = t.state();
    const bool starting = s == TurbineState::kPurging || s == TurbineState::kIgniting ||
                          s == TurbineState::kAccelerating || s == TurbineState::kSynchronising;
    if (starting && !t.params().black_start) t.trip(TripCause::kDeadBus);
  }
}

void Plant::publish(double now_s, double dt_s, bool connected) {
  const site::Facility& fac = site_->facility;
  state_.time_s = now_s + dt_s;
  state_.islanded = !connected;
  state_.cooling_mw = cooling_mw_;
  state_.surge_mw = applied_surge_mw_;
  state_.demand_mw = pods_.demand_it_mw() * (1 + fac.conversion_loss_pu + fac.cooling_pu) +
                     fac.fixed_mw + applied_surge_mw_;
  state_.it_mw = pods_.it_mw() - state_.ups_unserved_mw;  // served IT, on the bus or on UPS
  int online = 0;
  for (const Turbine& t : turbines_)
    online += t.breaker_closed() ? 1 : 0;
  state_.units_online = online;
  state_.voltage_pu = connected ? grid_.voltage_pu() : island_voltage_pu_;
  state_.isochronous_pu = isochronous_pu_;
  state_.dark_pods = pods_.dark_pods();
  state_.booting_pods = pods_.booting_pods();
  state_.lost_it_mw = pods_.lost_it_mw();
  if (state_.blackout) {
    state_.it_mw = ups_.ups_it_mw();  // only what the UPS batteries carry
    state_.cooling_mw = state_.load_mw = state_.losses_mw = 0;
    state_.generation_mw = state_.mechanical_mw = state_.battery_mw = state_.kinetic_mws = 0;
    state_.unserved_mw = 0;
    state_.import_mw = 0;
  }
  state_.speed_pu = speed_pu_;
  state_.frequency_hz = state_.blackout ? 0.0 : speed_pu_ * site_->grid.nominal_frequency_hz;
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
  step_loads(now, dt);
  abort_dead_bus_starts();
  const double mechanical_mw = step_turbines(dt, connected);
  if (connected) {
    step_connected(dt, mechanical_mw);
  } else {
    step_island(dt, mechanical_mw);
  }
  publish(now, dt, connected);
  protect_battery(dt);
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
    t.unserved_mwh += (state_.demand_mw - state_.it_mw) * h;
    t.blackout_s += dt_s;
  } else {
    t.unserved_mwh += (state_.unserved_mw + state_.ups_unserved_mw + state_.lost_it_mw) * h;
    t.curtailed_mwh += pods_.curtailed_mw() * h;
    t.floor_burn_mwh += pods_.floor_burn_mw() * h;
    t.min_frequency_hz = std::min(t.min_frequency_hz, state_.frequency_hz);
    t.max_frequency_hz = std::max(t.max_frequency_hz, state_.frequency_hz);
  }
  if (state_.islanded) t.islanded_s += dt_s;
  t.lost_it_mwh += state_.lost_it_mw * h;
  t.max_pods_on_ups = std::max(t.max_pods_on_ups, state_.pods_on_ups);
  t.max_dark_pods = std::max(t.max_dark_pods, state_.dark_pods);
  t.max_import_mw = std::max(t.max_import_mw, state_.import_mw);
}

void Plant::run_for(double duration_s) {
  const auto steps = static_cast<std::int64_t>(std::llround(duration_s / step_s_));
  for (std::int64_t i = 0; i < steps; ++i)
    step();
}

}  // namespace sim
