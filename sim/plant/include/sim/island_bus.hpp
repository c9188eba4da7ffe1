// One step of an islanded site bus: the swing equation, solved so that every
// megawatt on the bus comes from a source that pays for it.
//
// Rotors: the online units' kinetic energy E = sum(H S) w^2. Loads: constant
// power but for the frequency-dependent share, P(w) = P0 + Dmw (w - 1). A
// grid-forming battery answers as a virtual synchronous machine: its output is
// its set-point plus a droop K (1 - w) plus a synthetic inertia -Mb dw/dt, all
// within what its inverter and cells can give. The balance each step:
//
//   Pm + Pbattery = P(w') + 2 sum(H S) w (w' - w) / dt
//
// The droop, damping and inertia terms are taken at the new speed w' (backward
// Euler), so the update is stable at every step size: the battery's droop alone
// has a time constant Mb / K = 2 H R = 40 ms, which explicit Euler at 0.1 s
// would make oscillate and grow.
//
// A battery at its limit gives its limit; with rotors, they carry the rest and
// slow down, up to the generators' short-time current limit. What no source can
// give is unserved: a shortfall, whose voltage collapse the plant trips on
// ([island] undervoltage_trip_s). With no rotor, the inverter's virtual rotor
// also slows by the shortfall.
#pragma once

#include <limits>

namespace sim {

struct IslandBusInputs {
  double dt_s = 0.01;
  double speed_pu = 1;
  double mechanical_mw = 0;      // the online units' mechanical power
  double rotor_inertia_mws = 0;  // sum of H S over the online units
  // The online units' short-time current limits, in all (unbounded unless given).
  double rotor_max_electrical_mw = std::numeric_limits<double>::infinity();
  double load_mw = 0;                  // at nominal frequency, losses included
  double damping_mw_per_pu = 0;        // Dmw: the frequency-dependent load's dP/dw
  bool battery_forming = false;        // a grid-forming battery holds the bus
  double battery_fixed_mw = 0;         // a grid-following battery's output (not forming)
  double battery_setpoint_mw = 0;      // forming: its lagged set-point
  double battery_droop_mw_per_pu = 0;  // forming: K = S / R
  double battery_inertia_mws = 0;      // forming: Mb = 2 H S
  double battery_max_discharge_mw = 0;
  double battery_max_charge_mw = 0;
};

struct IslandBusStep {
  double speed_pu = 1;          // w'
  double battery_mw = 0;        // what the battery gives the bus (negative: takes)
  double served_mw = 0;         // load served at w', losses included
  double unserved_mw = 0;       // demand the sources could not carry
  double electrical_mw = 0;     // the units' electrical output, in all
  double rotor_release_mw = 0;  // mechanical - electrical: into (negative) or out of the rotors
  bool battery_limited = false;
  bool current_limited = false;  // the units at their short-time current limit
};

// Needs a source on the bus: rotor_inertia_mws > 0 or battery_forming.
IslandBusStep solve_island_bus(const IslandBusInputs& in);

}  // namespace sim
