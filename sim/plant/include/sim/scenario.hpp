// A scenario: a site, initial conditions, and timed events (faults and operator
// commands), read from a TOML file. docs/scenarios.md documents the syntax.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/grid.hpp"
#include "site/diagnostic.hpp"
#include "site/site.hpp"

namespace sim {

enum class EventType : std::uint8_t {
  // Faults and disturbances.
  kGridOutage,
  kGridReturn,
  kFrequencyExcursion,
  kVoltageSag,
  kTurbineTrip,
  kFailToStart,
  kMeasurementFreeze,
  kMeasurementStuck,
  kDeviceSilent,
  kDeviceSlow,
  kLoadSurge,
  kJobStart,
  kJobStop,
  // Operator commands, as a test bench sends them before any controller exists.
  kTurbineStart,
  kTurbineStop,
  kTurbineReset,
  kTurbineSetpoint,
  kPodCap,
  kPodFloor,
  kBatterySetpoint,
  kBreakerClose,
  kBreakerOpen,
  // Operator requests to the controller (SCADA, later); the plant ignores them.
  kOperatorManual,
  kOperatorAuto,
};

const char* to_string(EventType t);

struct Event {
  double at_s = 0;
  EventType type = EventType::kGridOutage;
  int target = -1;        // turbine, pod, point or device index, as the type says
  double value = 0;       // Hz, pu, MW as the type says
  double duration_s = 0;  // 0 = lasts until changed
  std::string name;       // job or pod group for job events
  int line = 0;           // where it was written
  // frequency_excursion: how fast the grid moves to `value` and back.
  double rocof_hz_per_s = kDefaultRocofHzPerS;
  // voltage_sag: a train of `count` dips `interval_s` apart (start to start), of a kind.
  int count = 1;
  double interval_s = 0;
  DipKind dip_kind = DipKind::kThreePhase;
};

struct InitialState {
  std::vector<std::pair<int, double>> turbines_online;  // unit, MW
  bool breaker_closed = true;
  std::optional<double> battery_soc_pu;
};

// The permit as used before the scenario starts (the rolling window's history).
struct PermitUsageAtStart {
  int starts_per_unit = 0;
  int stops_per_unit = 0;
  double nox_short_tons = 0;
  // Days of the permit year gone when the scenario starts (at its midnight). When
  // absent, the day at which the starts used are the year's straight line.
  double day_of_year = 0;
};

// Pass/fail thresholds a run is judged by (docs/scenarios.md).
struct InvariantLimits {
  double max_contract_violation_s = 2.0;  // import above the contract, in a row
  // Import above the contract in all, per day of scenario (at least 10 s): short
  // spells add up, and a utility counts them [assumption].
  double max_contract_violation_s_per_day = 60.0;
  double min_frequency_hz = 59.3;  // nadir while energised: above the first UFLS stage
  double max_frequency_hz = 60.5;  // peak while energised
  bool allow_blackout = false;
  double max_unneeded_shed_s = 0;  // shedding beyond its restore time while margin exists
  // The utility's import ramp limit (< 0: the site file's, 0 there: not judged).
  double max_import_ramp_mw_per_min = -1;
  // Export beyond the contract's allowance, per day of scenario (at least 10 s).
  double max_export_s_per_day = 60;
  // The import's energy in the 0.1-20 Hz band, at most this share of the load's
  // (arXiv 2508.14318's example specification).
  double max_poi_band_ratio = 0.2;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;
  std::string site_file;  // resolved against the scenario file's folder
  double duration_s = 86400;
  double step_s = 0.01;
  std::uint64_t seed = 1;
  InitialState initial;
  std::vector<Event> events;                       // sorted by time, stable
  std::optional<site::ControllerKind> controller;  // overrides the site's [controller] kind
  PermitUsageAtStart permit_usage;
  InvariantLimits invariants;
};

struct ScenarioLoad {
  std::optional<Scenario> scenario;
  std::optional<site::Site> site;
  site::Diagnostics errors;
};

// Loads the scenario and its site, and checks every event against the site
// (unit and pod numbers, point and device names, job names). `site_override`,
// when not empty, replaces the scenario's own site file.
ScenarioLoad load_scenario_file(const std::string& path, const std::string& site_override = "");
ScenarioLoad load_scenario_string(const std::string& toml_text, const std::string& path,
                                  const std::string& site_override = "");

}  // namespace sim
