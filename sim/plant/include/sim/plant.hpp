// The whole plant on a virtual clock: grid, island frequency, turbines, pods, battery.
//
// Fixed step (10 ms by default), deterministic for a seed. Grid-connected, the site
// follows the grid's frequency and the import is the balance at the POI. Islanded,
// the frequency comes from the swing equation of the online units' rotors and a
// grid-forming battery's virtual one (island_bus.hpp): every megawatt the loads
// take comes from a unit's shaft or rotor or from the battery's cells. An island
// with no source left, or whose sources all tripped, is a dead bus (blackout).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/battery.hpp"
#include "sim/command.hpp"
#include "sim/grid.hpp"
#include "sim/measurements.hpp"
#include "sim/pods.hpp"
#include "sim/rng.hpp"
#include "sim/turbine.hpp"
#include "sim/ups.hpp"
#include "site/site.hpp"

namespace sim {

struct PlantOptions {
  double step_s = 0.01;
  std::uint64_t seed = 1;
};

// Instantaneous physical quantities after the last step.
struct PlantState {
  double time_s = 0;
  bool islanded = false;
  bool blackout = false;      // islanded with no unit online: nothing is served
  double frequency_hz = 0;    // site bus
  double rocof_hz_per_s = 0;  // its rate of change
  double speed_pu = 1;
  double import_mw = 0;  // at the POI; negative = export
  double voltage_pu = 1;
  double it_mw = 0;  // GPU pods, as served
  double cooling_mw = 0;
  double surge_mw = 0;
  // Served off the bus, at this frequency: IT not on UPS + UPS recharge + cooling +
  // fixed + surge.
  double load_mw = 0;
  double unserved_mw = 0;     // energised but not carried: an inverter at its limit, collapsing
  double losses_mw = 0;       // power conversion losses (UPS, PDU, PSU) of the IT on the bus
  double demand_mw = 0;       // what the site would draw with no cap and no outage
  double generation_mw = 0;   // turbines' electrical output (mechanical less rotor uptake)
  double mechanical_mw = 0;   // turbines' mechanical power
  double battery_mw = 0;      // positive = discharging
  double kinetic_mws = 0;     // stored in the online units' rotating masses
  double isochronous_pu = 0;  // the island's load-sharing term
  int units_online = 0;
  // Ride-through (sim/ups.hpp): IT carried by the pod groups' UPS batteries, off the bus.
  int pods_on_ups = 0;
  double ups_mw = 0;           // the batteries' output: that IT and its conversion losses
  double ups_unserved_mw = 0;  // IT of pods whose UPS battery ran out
  // Cold-load pickup (sim/pods.hpp): pods with no supply, pods booting, and what
  // their jobs would have drawn.
  int dark_pods = 0, booting_pods = 0;
  double lost_it_mw = 0;
  bool shortfall = false;  // islanded, the sources at their limits: the voltage collapses
};

// Energies and extremes since the start, for summaries and balance checks.
struct PlantTotals {
  double it_mwh = 0, load_mwh = 0, losses_mwh = 0, generation_mwh = 0, import_mwh = 0,
         export_mwh = 0;
  double battery_discharge_mwh = 0, battery_charge_mwh = 0;
  double curtailed_mwh = 0, floor_burn_mwh = 0, unserved_mwh = 0;
  double mechanical_mwh = 0;
  double islanded_s = 0, blackout_s = 0;
  double max_import_mw = 0;
  double min_frequency_hz = 1e9, max_frequency_hz = 0;  // while energised
  double lost_it_mwh = 0;                               // the work of dark and booting pods
  int max_pods_on_ups = 0, max_dark_pods = 0;
};

class Plant {
 public:
  Plant(const site::Site& site, const PlantOptions& options);

  void step();
  void run_for(double duration_s);  // whole steps
  double time_s() const { return static_cast<double>(ticks_) * step_s_; }
  std::int64_t ticks() const { return ticks_; }
  double step_s() const { return step_s_; }

  // Initial conditions (the plant as found): before the first step.
  void set_turbine_online(int unit, double mw);
  void set_breaker_closed(bool closed);
  void set_battery_soc(double soc_pu);

  // Commands, refused as the device would refuse them.
  CommandResult turbine_start(int unit);
  CommandResult turbine_stop(int unit);
  CommandResult turbine_reset(int unit);
  CommandResult turbine_setpoint(int unit, double mw);
  CommandResult pod_cap(int pod, double mw);
  CommandResult pod_floor(int pod, double mw);
  CommandResult battery_setpoint(double mw);
  CommandResult breaker_close();
  CommandResult breaker_open();
  // What the setpoint commands would answer now, changing nothing: a device checks
  // every value of a multi-register write before it applies any.
  CommandResult turbine_setpoint_allowed(int unit, double mw) const;
  CommandResult pod_cap_allowed(int pod, double mw) const { return pods_.cap_allowed(pod, mw); }
  CommandResult pod_floor_allowed(int pod, double mw) const { return pods_.floor_allowed(pod, mw); }
  CommandResult battery_setpoint_allowed(double mw) const;

  // Faults and events.
  void grid_outage() { grid_.outage(); }
  void grid_return() { grid_.restore(); }
  void frequency_excursion(double hz, double duration_s);
  void frequency_excursion(double hz, double hold_s, double rocof_hz_per_s) {
    grid_.frequency_excursion(hz, hold_s, rocof_hz_per_s, time_s());
  }
  void voltage_sag(double pu, double duration_s);
  void voltage_dips(const VoltageDips& dips) { grid_.voltage_dips(dips, time_s()); }
  void turbine_trip(int unit) { turbines_[static_cast<size_t>(unit)].trip(TripCause::kCommanded); }
  void fail_next_start(int unit) { forced_fail_[static_cast<size_t>(unit)] = 1; }
  void load_surge(double mw, double duration_s);
  bool job_start(const std::string& name) { return pods_.start_job(name); }
  bool job_stop(const std::string& name) { return pods_.stop_job(name); }
  // Measurement faults (a duration <= 0 lasts for good).
  void freeze_point(int point, double duration_s);
  void stick_point(int point, double value, double duration_s);
  // A device that stops answering: no fresh reads, commands get no response.
  void device_silent(int device, double duration_s);
  // A device that answers every request `delay_s` late (its servers see to it).
  void device_slow(int device, double delay_s, double duration_s) {
    measurements_.slow(device, delay_s, duration_s, time_s());
  }

  // What the devices report now (with faults applied), and the truth behind it.
  Measurement measure(int point);
  double true_value(int point) const;
  const Measurements& measurements() const { return measurements_; }

  const PlantState& state() const { return state_; }
  const PlantTotals& totals() const { return totals_; }
  const site::Site& site() const { return *site_; }
  int turbine_count() const { return static_cast<int>(turbines_.size()); }
  const Turbine& turbine(int unit) const { return turbines_[static_cast<size_t>(unit)]; }
  const PodFleet& pods() const { return pods_; }
  const Battery* battery() const { return battery_ ? &*battery_ : nullptr; }
  const GridConnection& grid() const { return grid_; }
  // A pod gateway's status bits as its map gives them (docs/register-maps.md), but
  // for the gateway's own safe-cap bit (2).
  int pod_status_bits(int pod) const;
  const UpsFleet& ups() const { return ups_; }

 private:
  bool device_answers(int device) const { return !measurements_.silent(device, time_s()); }
  void update_pod_gateways();
  bool battery_forms_island() const { return battery_ && battery_->forms_island(); }
  bool bus_dead() const { return !grid_.connected() && state_.blackout; }
  void step_loads(double now_s, double dt_s);
  double damping_mw_per_pu() const;
  double step_turbines(double dt_s, bool connected);
  void step_connected(double dt_s, double mechanical_mw);
  void step_island(double dt_s, double mechanical_mw);
  void share_electrical(double electrical_mw, double mechanical_mw, double rotor_inertia_mws);
  void protect_battery(double dt_s);
  void step_isochronous(double dt_s);
  void watch_shortfall(double dt_s, double unserved_mw);
  void supply_pods(double now_s, double dt_s, double it_voltage_pu);
  void collapse_bus(TripCause cause);
  void abort_dead_bus_starts();
  void publish(double now_s, double dt_s, bool connected);
  void accumulate(double dt_s);

  std::shared_ptr<const site::Site> site_;
  double step_s_;
  std::int64_t ticks_ = 0;
  Rng rng_;
  GridConnection grid_;
  std::vector<Turbine> turbines_;
  std::vector<std::uint8_t> forced_fail_;
  PodFleet pods_;
  UpsFleet ups_{*site_};  // built from site_, which is declared (so initialised) first
  std::optional<Battery> battery_;
  double cooling_mw_ = 0;
  double load_mw_ = 0;  // at nominal frequency: IT + cooling + fixed + surge
  double losses_mw_ = 0;
  double surge_mw_ = 0;
  double applied_surge_mw_ = 0;  // a negative surge, no deeper than the non-GPU load
  double surge_until_s_ = -1;
  double next_silence_check_s_ = -1;  // when a silenced pod gateway may come back
  double speed_pu_ = 1;
  double isochronous_pu_ = 0;
  double mean_speed_pu_ = 1.0;      // the isochronous integral's averaged speed
  double island_voltage_pu_ = 1.0;  // 0 dark; collapsed while short of sources
  double shortfall_s_ = 0;          // how long the island has been short
  double low_voltage_s_ = 0;        // how long the IT's voltage has been below PSU drop-out
  PlantState state_;
  PlantTotals totals_;
  Measurements measurements_;
};

}  // namespace sim
