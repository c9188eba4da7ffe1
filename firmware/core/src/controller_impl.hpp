// The controller's inside, shared by the common scan (controller.cpp), this
// controller's policy (plant_policy.cpp) and the baseline's (firmware/baseline/).
#pragma once

#include <array>
#include <vector>

#include "daily_profile.hpp"
#include "fw/controller.hpp"
#include "island_plan.hpp"
#include "shed_allocator.hpp"
#include "swing_forecast.hpp"

namespace fw {

// A source's output as its commands make it, against its meter (source_signals.cpp),
// with last scan's values: a reading that stood still while its expectation moved.
struct SourceExpectation {
  double expected_mw = 0, last_expected_mw = 0, last_reading_mw = 0;
  bool valid = false;
  void remember(double reading_mw) {
    last_expected_mw = expected_mw;
    last_reading_mw = reading_mw;
  }
};

// The battery's state of charge as the energy its power moved counts it.
struct SocWitness {
  bool valid = false, blamed = false;
  double count_pu = 0, last_reading_pu = 0, count_at_change_pu = 0;
  double reading_at_blame_pu = 0, count_at_blame_pu = 0;  // at its last step
};

struct UnitView {
  double rating_mw = 0, msl_mw = 0, ramp_mw_per_s = 0, droop_pu = 0.04;
  double start_to_msl_s = 0;  // start sequence plus loading to minimum stable load
  // Its type, for the fuel curve and NOx (site/turbine_fuel.hpp).
  const site::TurbineGroup* group = nullptr;
  double fuel_mmbtu_per_h_full = 0, nox_kg_per_mmbtu = 0;  // at full load, in the low-NOx mode
  // This scan:
  bool comms_ok = false;
  bool power_reading_ok = false;
  double power_mw = 0;       // electrical output
  double mechanical_mw = 0;  // shaft power
  hal::TurbineStatus status = hal::TurbineStatus::kOff;
  int trip_cause = 0;         // the unit's trip_cause code
  double reset_at_s = -1e18;  // last reset command
  double run_hours = 0;
  double prev_power_mw = 0;     // last scan's, for the loss when it trips
  SourceExpectation expected;   // its output as its setpoint makes it
  double stopped_at_s = -1e18;  // last stop command
  double started_at_s = -1e18;  // last start command
  // Fuel (and NOx) is counted from here on a starting unit: after the purge of a
  // start it commanded; at once for one it found starting (where in its sequence it
  // is, it cannot know: counting early errs on the permit's side).
  double fuel_from_s = -1e18;
};

// A reading that does not move while an independent reference does is frozen.
struct FreezeWatch {
  double value = 0, changed_at_s = 0, reference_at_change = 0, reference_moved = 0;
  bool frozen(double reading, double reference, double now_s, double after_s, double tolerance);
  // Since the reading last changed, the reference moved by more than tolerance: the
  // reading is stale now, before it has been so for long enough to be frozen.
  bool stale(double tolerance) const { return reference_moved > tolerance; }
};

// Distrust with hysteresis: raised after after_s of evidence against the signal,
// cleared after clear_s of agreement.
struct Doubt {
  double after_s = 2, clear_s = 30;
  bool active = false;
  double against_since_s = -1, agreed_since_s = -1;
  bool update(bool evidence, double now_s);
};

struct Estimates {
  bool connected = false;  // grid breaker closed and grid live
  bool poi_ok = false;     // breaker and grid state known
  double import_mw = 0;
  bool import_ok = false;  // from the meter or from the balance
  bool meter_suspect = false;
  double load_mw = 0;  // facility, served
  bool load_ok = false;
  double bus_hz = 60;
  bool bus_hz_ok = false;
  double grid_hz = 60;
  bool grid_live = false;  // utility side live, by its own signals
  double battery_mw = 0;
  double soc_pu = 0.5;
  bool battery_ok = false;
  double turbine_mw = 0;  // units with good readings
};

struct Controller::Impl {
  Impl(const site::Site& s, const PermitUsage& usage);

  // The scan, in order.
  void estimate(const hal::ProcessImage& img);
  void estimate_poi(const hal::PoiInputs& poi);
  void estimate_sources(const hal::ProcessImage& img);
  void estimate_load(const hal::PoiInputs& poi);
  void blame_balance_break(const hal::PoiInputs& poi);
  void validate_frequency(const hal::PoiInputs& poi);
  void validate_source_meters(const hal::ProcessImage& img);
  int source_explaining(double residual_mw) const;
  int only_silent_source() const;
  void advance_expected_outputs(const hal::ProcessImage& img);
  void pull_expected_outputs();
  void validate_soc(const hal::BatteryInputs& b);
  void count_soc();
  bool soc_moves_with_energy(double reading_pu) const;
  void advance_expected_unit(const hal::TurbineInputs& t, UnitView& v);
  void stand_in_for_source(double residual_mw);
  void validate_grid_available(const hal::PoiInputs& poi, bool supplied);
  void validate_import(const hal::PoiInputs& poi);
  void validate_breaker(const hal::PoiInputs& poi);
  void validate_breaker_closed(const hal::PoiInputs& poi);
  double pods_load_mw() const;
  double balance_mw() const;
  void adopt(const hal::ProcessImage& img, hal::Commands& out);
  void track_units();
  void reset_bus_trips(hal::Commands& out);
  void supervise(const OperatorInputs& op);
  void detect_contingencies();
  void frequency_stages();
  void restore();
  void plant_dispatch(hal::Commands& out);
  void plant_battery(hal::Commands& out);
  void hold_limits(hal::Commands& out);
  void hold_mean_import();
  void hold_import_ramp();
  void recharge_target(double& desired_mw, double limit_mw, double p_max_mw);
  double lead_battery_lag(double wanted, double lowest_mw, double highest_mw);
  void baseline_dispatch(hal::Commands& out);
  void baseline_battery(hal::Commands& out);
  void baseline_restore();
  void island_dispatch(hal::Commands& out, double reserve_pu);
  bool island_waits_for_grid() const;
  double close_step_mw() const;
  void resynchronise(hal::Commands& out);
  void precompute_contingencies();
  void write_caps(hal::Commands& out);
  bool try_adopt(const hal::ProcessImage& img, hal::Commands& out);
  void account_permit();
  void evaluate_alarms(const OperatorInputs& op);

  // Helpers.
  bool automatic() const;
  double online_rating_mw() const;
  double online_headroom_mw() const;
  double battery_discharge_headroom_mw() const;
  bool battery_above_reserve() const;
  bool battery_swing_only() const;
  bool battery_may_discharge() const;
  double recent_peak(double peak_mw, double value_mw) const;
  double mean_import_ceiling_mw() const;
  bool bus_dead() const;
  double island_sustainable_mw(double unit_share_pu, double pickup_s);
  double island_load_mw() const;
  int pick_unit_to_start() const;
  int pick_unit_to_stop() const;
  bool start_allowed(int u, const char*& why) const;
  double year_clock_s() const { return permit.year_elapsed_s + now; }
  int fleet_starts_used() const;
  int paced_starts_used() const;
  bool start_within_pace() const;
  double soc_target_pu() const;
  double bridge_mwh() const;
  bool battery_carries_gap(double gap_mw, double committed_mw, double next_start_s) const;
  bool hold_through_dip(int u, double rest_mw) const;
  double nox_commitment_run_s() const;
  double committed_nox_kg() const;
  void hold_nox_cap(hal::Commands& out);
  void start_for_need(hal::Commands& out);
  void command_start(int u, hal::Commands& out, const char* cause);
  void command_stop(int u, hal::Commands& out, const char* cause);
  void share_setpoints(double total_mw, hal::Commands& out);
  void shed_at_least(double mw, const char* cause);
  void note(const char* fmt, double a = 0, double b = 0);
  void end_scan();

  const site::Site site;
  const site::ControllerSettings& cfg;
  EventLog log;
  AlarmManager alarms;
  Supervisor supervisor;
  std::vector<TurbineMachine> machines;
  std::vector<UnitView> units;
  ShedAllocator shed;
  SwingForecast swing;
  DailyProfile profile;  // the need beyond the import limit, by time of day
  PermitUsage permit;
  ControllerStatus status;
  std::vector<double> contingency_mw;  // 0: grid; 1 + u: unit u
  Estimates est;

  double now = 0, dt = 0;
  double import_limit_mw = 0;  // this scan's: the contract or the operator's lower limit
  bool adopted = false;
  double held_since_s = -1;  // in Init, not adopted: holding since (-1: not holding)
  bool holding_noted = false;
  double it_compute_mw = 0;
  double shed_at_scan_start_mw = 0;  // the shed the scan's measurements were taken under
  double site_full_mw = 0;           // facility power with every pod computing
  double overhead_pu = 0;            // facility power per MW of IT, less one (at once: conversion)

  // Contingency state: last scan's view, to see changes.
  bool was_connected = false;
  double prev_import_mw = 0;
  std::vector<std::uint8_t> unit_was_online;
  double battery_boost_mw = 0;      // held after a contingency, released over time
  double reconnected_at_s = -1e18;  // the breaker last closed onto the grid
  double ufls_low_since_s[8] = {};
  int ufls_acted = 0;
  double frequency_normal_since_s = 0;
  double bus_hz_mean = 60;  // the site frequency's 5 s mean
  double emergency_since_s = 0;

  // Restoration.
  double margin_since_s = -1;
  double last_restore_s = -1e18;

  // Dispatch.
  double need_since_s = -1, surplus_since_s = -1;
  double load_mean_mw = 0, load_slope_mw_per_s = 0, load_peak_mw = 0;
  // The one-minute mean every 10 s over the last 5 minutes: the trend.
  std::array<double, 31> mean_history{};
  int mean_history_count = 0;
  double mean_history_last_s = -1e18;
  double import_target_mw = 0;   // smoothing: the ramp-limited import
  double units_need_mw = 0;      // connected: what the units must carry beyond the contract
  double raw_mean_mw = 0;        // its one-minute mean
  double raw_peak_mw = 0;        // its recent peak
  double raw_fast_mean_mw = 0;   // its 10 s mean
  bool recharging_only = false;  // last scan: connected, the battery only recharging
  double battery_model_mw = 0;   // the battery's output as its response lag makes it
  double import_peak_mw = 0;     // recent peak of the import
  bool permit_block_noted = false;
  bool pace_block_noted = false;
  int forced_starts = 0;  // made islanded since this controller began: not paced

  // Islanded: since when, the units' share of the load as they take it over, and the
  // energy plan's workspace (reserved for every unit: no allocation in a scan).
  double islanded_since_s = -1;
  double island_units_share_mw = 0;
  double island_recharge_mw = 0;  // the units' extra output to recharge it
  std::vector<IslandSupply> island_supplies;
  bool dead_bus_noted = false;
  double bus_live_since_s = -1;  // energised and in its band since (-1: not)

  // Grid return and resynchronisation.
  double grid_stable_since_s = -1;
  double last_close_attempt_s = -1e18;
  double resync_since_s = -1;
  int close_attempts = 0;
  bool resync_gave_up = false;

  // Fail-safe.
  double critical_bad_since_s = -1, critical_good_since_s = -1;
  bool failsafe = false;
  // Signals in doubt (estimator.cpp).
  FreezeWatch import_freeze, facility_freeze;
  Doubt import_doubt, facility_doubt;
  // The meter blamed for the last break of the balance (import + our sources =
  // facility), and the last scan's readings it is judged from.
  enum class Blame { kNone, kImport, kFacility };
  Blame balance_blame = Blame::kNone;
  struct BalanceSample {
    bool valid = false;
    double residual_mw = 0, import_mw = 0, facility_mw = 0, sources_mw = 0, pods_mw = 0;
  };
  BalanceSample last_balance;
  // The source meter the balance's break is blamed on (source_signals.cpp): a unit's
  // number, the battery, or none; and what the battery was told last scan.
  static constexpr int kNoSource = -2, kBatterySource = -1;
  int source_blame = kNoSource;
  Doubt source_doubt;
  SourceExpectation battery_expected;
  SocWitness soc_witness;
  Doubt soc_doubt;
  double battery_setpoint_sent_mw = 0;
  bool battery_commanded = false;
  bool breaker_distrusted = false;    // reads open, power flows
  bool grid_lost_distrusted = false;  // reads the grid dead, it supplies the site
  // The frequency reading that stepped away from the other while on the grid.
  enum class FrequencyBlame { kNone, kBus, kGrid };
  FrequencyBlame frequency_blame = FrequencyBlame::kNone;
  Doubt frequency_doubt;
  double last_bus_hz = 0, last_grid_hz = 0;
  bool breaker_closed_distrusted = false;  // reads closed, the site is an island
  double no_flow_since_s = -1, bus_drift_at_s = -1e18, closed_distrusted_since_s = 0;
};

}  // namespace fw
