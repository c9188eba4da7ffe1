#include "sim/island_bus.hpp"

#include <algorithm>

namespace sim {

namespace {

double load_at(const IslandBusInputs& in, double speed_pu) {
  return in.load_mw + in.damping_mw_per_pu * (speed_pu - 1.0);
}

// The battery's output at w' as the virtual synchronous machine gives it.
double forming_battery_mw(const IslandBusInputs& in, double speed_pu) {
  return in.battery_setpoint_mw + in.battery_droop_mw_per_pu * (1.0 - speed_pu) -
         in.battery_inertia_mws * (speed_pu - in.speed_pu) / in.dt_s;
}

// The rotors (and the frequency-dependent load) balance the bus around a
// battery whose output is fixed this step, up to the generators' short-time
// current limit: past it the units give their limit, their rotors slow by what
// that takes out of them, and the rest of the load is not served.
IslandBusStep rotors_carry(const IslandBusInputs& in, double battery_mw) {
  const double rotor_mw_per_pu = 2.0 * in.rotor_inertia_mws * in.speed_pu / in.dt_s;
  const double residual_mw = in.mechanical_mw + battery_mw - load_at(in, in.speed_pu);
  IslandBusStep s;
  s.speed_pu = in.speed_pu + residual_mw / (rotor_mw_per_pu + in.damping_mw_per_pu);
  s.battery_mw = battery_mw;
  s.served_mw = load_at(in, s.speed_pu);
  s.electrical_mw = s.served_mw - battery_mw;
  if (s.electrical_mw > in.rotor_max_electrical_mw) {
    s.electrical_mw = in.rotor_max_electrical_mw;
    s.speed_pu = in.speed_pu + (in.mechanical_mw - s.electrical_mw) / rotor_mw_per_pu;
    const double demand_mw = load_at(in, s.speed_pu);
    s.served_mw = s.electrical_mw + battery_mw;
    s.unserved_mw = std::max(0.0, demand_mw - s.served_mw);
    s.current_limited = true;
  }
  s.rotor_release_mw = s.electrical_mw - in.mechanical_mw;
  return s;
}

// No rotor and a battery at its discharge limit: it gives what it can; the
// shortfall is unserved, and its virtual rotor slows by it.
IslandBusStep inverter_overloaded(const IslandBusInputs& in, double battery_mw) {
  const double virtual_mw_per_pu = in.battery_inertia_mws / in.dt_s;
  IslandBusStep s;
  s.speed_pu = in.speed_pu +
               (battery_mw - load_at(in, in.speed_pu)) / (virtual_mw_per_pu + in.damping_mw_per_pu);
  s.battery_mw = battery_mw;
  const double demand_mw = load_at(in, s.speed_pu);
  s.served_mw = std::min(demand_mw, battery_mw);
  s.unserved_mw = demand_mw - s.served_mw;
  s.battery_limited = true;
  return s;
}

// The units at their current limit beside a forming battery: their rotors slow
// by what the limit takes out of them, which sets the bus's speed; the battery
// answers that speed within its own limits; the rest of the load is unserved.
IslandBusStep rotors_at_limit(const IslandBusInputs& in) {
  const double rotor_mw_per_pu = 2.0 * in.rotor_inertia_mws * in.speed_pu / in.dt_s;
  IslandBusStep s;
  s.electrical_mw = in.rotor_max_electrical_mw;
  s.speed_pu = in.speed_pu + (in.mechanical_mw - s.electrical_mw) / rotor_mw_per_pu;
  const double demand_mw = load_at(in, s.speed_pu);
  const double wanted_mw = forming_battery_mw(in, s.speed_pu);
  s.battery_mw = std::clamp(std::min(wanted_mw, demand_mw - s.electrical_mw),
                            -in.battery_max_charge_mw, in.battery_max_discharge_mw);
  s.served_mw = s.electrical_mw + s.battery_mw;
  s.unserved_mw = std::max(0.0, demand_mw - s.served_mw);
  s.rotor_release_mw = s.electrical_mw - in.mechanical_mw;
  s.battery_limited = s.battery_mw != wanted_mw;
  s.current_limited = true;
  return s;
}

}  // namespace

IslandBusStep solve_island_bus(const IslandBusInputs& in) {
  if (!in.battery_forming) return rotors_carry(in, in.battery_fixed_mw);

  // Unbounded first: the battery's droop and inertia join the rotors'.
  const double rotor_mw_per_pu = 2.0 * in.rotor_inertia_mws * in.speed_pu / in.dt_s;
  const double stiffness_mw_per_pu = rotor_mw_per_pu + in.battery_inertia_mws / in.dt_s +
                                     in.battery_droop_mw_per_pu + in.damping_mw_per_pu;
  const double residual_mw = in.mechanical_mw + in.battery_setpoint_mw +
                             in.battery_droop_mw_per_pu * (1.0 - in.speed_pu) -
                             load_at(in, in.speed_pu);
  const double speed_pu = in.speed_pu + residual_mw / stiffness_mw_per_pu;
  const double wanted_mw = forming_battery_mw(in, speed_pu);
  const double bounded_mw =
      std::clamp(wanted_mw, -in.battery_max_charge_mw, in.battery_max_discharge_mw);
  if (bounded_mw == wanted_mw) {
    IslandBusStep s;
    s.speed_pu = speed_pu;
    s.served_mw = load_at(in, speed_pu);
    // With no rotor on the bus the battery carries it all: exactly, not by rounding.
    s.battery_mw = in.rotor_inertia_mws > 0 ? wanted_mw : s.served_mw;
    s.electrical_mw = s.served_mw - s.battery_mw;
    if (in.rotor_inertia_mws > 0 && s.electrical_mw > in.rotor_max_electrical_mw)
      return rotors_at_limit(in);
    s.rotor_release_mw = s.electrical_mw - in.mechanical_mw;
    return s;
  }
  IslandBusStep s =
      in.rotor_inertia_mws > 0 ? rotors_carry(in, bounded_mw) : inverter_overloaded(in, bounded_mw);
  s.battery_limited = true;
  return s;
}

}  // namespace sim
