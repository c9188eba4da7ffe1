// The parsed, validated site model: what one site file describes.
//
// Plain data with units in every name. Every other module depends on this one;
// it depends on none of ours. Sources for the default and preset values are in
// docs/configuration.md and in the preset files under config/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace site {

// How large a site the system can address and serve; the loader refuses more
// (docs/configuration.md, "Site size limits"), so no count is ever multiplied or
// summed past what an int holds.
// - Turbine units: plantd's SCADA map has a register block for each of 128 units.
inline constexpr int kMaxTurbineUnits = 128;
// - Pods: ten times the 1M-GPU preset's 1,000. plantsim and plantd --sim step
//   every pod every 10 ms step; at this size a step still takes well under its
//   10 ms of wall time (docs/configuration.md has the measurement).
inline constexpr int kMaxPods = 10000;
// - Modbus: a gateway port carries unit ids 1 to 247 (the Modbus serial address
//   range); the ports the devices take must stay at or below 65535.
inline constexpr int kUnitIdsPerGateway = 247;
inline constexpr int kMaxPort = 65535;
// - A pod group's UPS counts at most this many recent dips (a fixed ring: no heap
//   in the physics step).
inline constexpr int kMaxUpsDips = 16;

// The grid connection at the point of interconnection (POI).
struct Grid {
  double import_contract_mw = 0;            // contracted maximum import
  double nominal_frequency_hz = 60;         // system frequency
  double import_ramp_limit_mw_per_min = 0;  // utility limit on import changes
  double export_limit_mw = 0;               // what the contract lets the site export (0: none)
  double breaker_close_time_s = 0.1;        // close command to contacts closed
  double sync_max_slip_hz = 0.2;            // sync-check window for closing onto the grid
  double undervoltage_trip_pu = 0.7;        // POI protection: below this voltage ...
  double undervoltage_trip_s = 0.5;         // ... for this long opens the breaker
};

// Frequency behaviour of the site when islanded.
enum class IslandGovernor { kIsochronous, kDroop };

struct Island {
  // D of the frequency-dependent load, on that load's own base: dP/P = D df/f.
  // Fan motors direct on line: 2.9 (IEEE Task Force on Load Representation for
  // Dynamic Performance, IEEE Trans. Power Systems 8(2), 1993, typical values).
  // Only the share of cooling in [facility] cooling_frequency_dependent_pu has it.
  double load_damping_pu = 2.9;
  IslandGovernor governor = IslandGovernor::kIsochronous;
  // Integral gain of isochronous load sharing, pu of rating per pu of speed per s:
  // 2 restores a 9 % load step to within 10 mHz in about 40 s with stable margins
  // (docs/configuration.md) [assumption].
  double isochronous_gain_per_s = 2.0;
  // An island whose sources cannot carry its constant-power load has no operating
  // point: its voltage collapses, and the sources' undervoltage protection clears
  // in this time (IEEE 1547-2018's UV2 default: 0.45 pu, 0.16 s, Categories I and II).
  double undervoltage_trip_s = 0.16;
};

// One gas turbine type; `count` identical units.
struct TurbineGroup {
  std::string name;
  int count = 1;
  double rating_mw = 0;
  double min_stable_load_pu = 0.5;    // of rating
  double ramp_rate_pu_per_min = 0.2;  // setpoint ramp limit
  double purge_s = 60;                // start sequence phases
  double ignition_s = 15;
  double acceleration_s = 165;
  double synchronisation_s = 60;
  double cooldown_s = 600;             // after stop, before a restart is allowed
  double inertia_h_s = 3;              // inertia constant on the unit's rating
  double droop_pu = 0.04;              // R
  double valve_time_constant_s = 0.5;  // GAST T1
  double turbine_time_constant_s =
      0.2;  // GAST T2; 0.5 leaves an island loop with ~5 deg of phase margin
  double heat_rate_btu_per_kwh = 10280;  // at full load
  double no_load_fuel_pu = 0.2;          // fuel at zero load, fraction of full-load fuel
  double nox_ppm = 25;                   // at 15 % O2, dry
  double co2_kg_per_mmbtu = 53.06;
  double fail_to_start_probability = 0.0;
  double underfrequency_trip_hz = 57.0;  // unit protection
  double underfrequency_trip_s = 1.0;
  // Can start on a dead bus (its own starting power: a diesel or battery
  // starter package). Without one a unit's starter and auxiliaries need a live bus.
  bool black_start = false;
  // The generator's short-time current limit, of rating: what the rotor's kinetic
  // energy can push through the stator (IEEE C50.13-2014's armature short-time
  // capability (I^2 - 1) t = 37.5 s: 1.5 pu for 30 s). Beyond it the bus is short.
  double short_time_current_pu = 1.5;
  // GGOV1-style governor limits (docs/configuration.md gives the sources).
  double valve_open_rate_pu_per_s = 0.1;   // GGOV1 Ropen
  double valve_close_rate_pu_per_s = 0.1;  // GGOV1 -Rclose
  double load_limit_pu = 1.0;              // GGOV1 Ldref, of rating
  double load_limit_time_constant_s = 3;   // GGOV1 Tfload
  double load_limit_kp = 2;                // GGOV1 Kpload
  double load_limit_ki_per_s = 0.67;       // GGOV1 Kiload
  // Over-speed (instantaneous) and over-frequency (timed) protection.
  double overspeed_trip_pu = 1.10;
  double overfrequency_trip_hz = 61.8;
  double overfrequency_trip_s = 0.5;
  // Fuel curve and emissions away from full load.
  double heat_rate_half_load_pu = 1.30;  // heat rate at 50 % load, of full-load heat rate
  double low_nox_min_load_pu = 0.5;      // lowest load of the DLE combustor's low-NOx mode
  double part_load_nox_ppm = 150;        // below that load and during start-up
};

enum class PriorityClass { kInference, kTraining, kBatch };
enum class Workload { kTraining, kInference, kBatch };

// The IT equipment's ride-through of grid voltage dips, per pod group
// ([pod_group.ups]; docs/configuration.md cites each default). Modelled on an
// Open Rack v3 rack: the PSUs' hold-up carries short dips, then a battery
// (BBU or facility UPS) takes the group's IT load off the site bus.
struct PodUps {
  bool enabled = true;
  double psu_hold_up_s = 0.020;     // dips this short are ridden through (ORv3 PSU, full load)
  double transfer_below_pu = 0.85;  // the IT's voltage below this past the hold-up: on battery
  double dip_threshold_pu = 0.9;    // what counts as a dip (IEC 61000-4-30)
  int transfer_after_dips = 3;      // ... this many dips within dip_window_s: on battery; 0 = off
  double dip_window_s = 60;
  double battery_s = 240;        // battery energy: this long at the group's compute power
  double return_delay_s = 10;    // voltage healthy this long before the return to the grid
  double return_stagger_s = 10;  // pods return one by one over this time; 0 = all at once
  double recharge_pu = 0.1;      // recharge power from the bus, of the group's compute power
};

// A group of identical GPU pods. Pods of one `job` swing together.
struct PodGroup {
  std::string name;
  int count = 1;
  int gpus_per_pod = 0;
  PriorityClass priority = PriorityClass::kTraining;
  Workload workload = Workload::kTraining;
  std::string job;                     // training job id; empty for non-training
  double compute_w_per_gpu = 0;        // node power per GPU, compute phase
  double communication_w_per_gpu = 0;  // all-reduce / communication phase
  double idle_w_per_gpu = 0;
  double iteration_period_s = 1.0;   // one training iteration
  double compute_fraction = 0.7;     // share of an iteration in the compute phase
  double checkpoint_interval_s = 0;  // 0 = never
  double checkpoint_length_s = 0;
  double job_ramp_s = 30;  // job start / stop ramp
  // A training pod's power edges (docs/configuration.md): each GPU ramps linearly over
  // gpu_power_edge_s (0-100 %), and the GPUs of a pod start their ramps spread
  // uniformly over gpu_edge_spread_s, so the pod's edge lasts the sum of the two.
  double gpu_power_edge_s = 0.02;
  double gpu_edge_spread_s = 0.02;
  double min_cap_w_per_gpu = 0;           // lowest power cap the gateway accepts
  double cap_actuation_lag_s = 0.5;       // command to effect
  double inference_utilisation_pu = 0.6;  // mean load of an inference pod, of compute
  bool starts_running = true;             // job running when the simulation starts
  // Cold-load pickup (docs/configuration.md): a pod that lost its supply powers on
  // power_on_delay_s after the supply returns, the group's pods spread evenly over
  // power_on_stagger_s (server BMCs' "power restore delay": Intel's automatic
  // setting draws it at random in 25-300 s), and draws idle power while it boots;
  // its job, crashed with the supply, comes back job_restart_s after power-on.
  double power_on_delay_s = 25;
  double power_on_stagger_s = 275;
  double job_restart_s = 600;  // boot, requeue, reload the checkpoint [assumption]
  PodUps ups;
};

// Facility overhead that follows IT load.
struct Facility {
  double conversion_loss_pu = 0.07;     // UPS / PDU / PSU losses, of IT power, instantaneous
  double cooling_pu = 0.33;             // cooling power, of IT power, lagged
  double cooling_time_constant_s = 60;  // cooling follows IT heat with this lag
  double fixed_mw = 0;                  // lighting, offices, auxiliaries
  // Share of cooling power drawn by motors direct on line, whose power follows
  // frequency ([island] load_damping_pu); the rest (variable-speed drives, IT
  // power supplies) draws constant power whatever the frequency.
  double cooling_frequency_dependent_pu = 0.2;
};

struct Battery {
  double power_mw = 0;
  double energy_mwh = 0;
  double round_trip_efficiency_pu = 0.9;
  double soc_min_pu = 0.1;
  double soc_max_pu = 0.95;
  double initial_soc_pu = 0.5;
  double response_time_constant_s = 0.2;
  // Grid-forming inverters (Megapack-class) hold an island on their own: synthetic
  // inertia and a frequency droop while islanded [assumption: configurable].
  bool grid_forming = true;
  double virtual_inertia_h_s = 2.0;  // on the battery's power rating
  double droop_pu = 0.01;            // full power at 1 % (0.6 Hz) off nominal frequency
  // The inverter's frequency protection: IEEE 1547-2018 Table 19 default settings
  // (UF2 56.5 Hz, OF2 62.0 Hz, 0.16 s clearing; on a 50 Hz site the same per-unit
  // values), and its enter-service delay after a trip (section 4.10.3: 300 s).
  double underfrequency_trip_hz = 56.5;
  double underfrequency_trip_s = 0.16;
  double overfrequency_trip_hz = 62.0;
  double overfrequency_trip_s = 0.16;
  double enter_service_delay_s = 300;
};

// A short ton (2,000 lb) in kg: 2,000 x 0.45359237 kg per lb (the international
// pound, NIST SP 811).
constexpr double kKgPerShortTon = 907.18474;

struct Permit {
  int max_units_running = 0;
  int starts_per_unit_per_year = 0;
  int shutdowns_per_unit_per_year = 0;
  double nox_cap_short_tons_per_12_months = 0;  // US permits count short tons (2,000 lb)
  // The day the permit year begins (UTC midnight): the starts' pace counts from it.
  int year_start_month = 1, year_start_day = 1;
  double nox_cap_kg() const { return nox_cap_short_tons_per_12_months * kKgPerShortTon; }
};

// Reserved for the Modbus backend: where each device is served.
enum class ModbusLayout { kGateway, kPortPerDevice };

// A device served somewhere else than the site's gateway ports: a real device
// on a bench while the simulator serves the rest.
enum class SerialParity { kNone, kEven, kOdd };

struct ModbusDevice {
  std::string name;  // "poi", "battery", "turbine.N", "pod.N"
  std::string host;
  int port = 502;
  int unit_id = 1;
  // Modbus RTU instead of TCP when `serial` names a serial device. Even parity
  // is the default of the Modbus serial line spec (V1.02, section 2.5.1).
  std::string serial;
  int baud = 19200;
  SerialParity parity = SerialParity::kEven;
  int stop_bits = 1;
};

struct Modbus {
  std::string host = "127.0.0.1";
  int base_port = 1502;
  ModbusLayout layout = ModbusLayout::kGateway;
  int response_timeout_ms = 200;
  // TCP connections plantd opens to one endpoint that serves several unit ids (a
  // gateway), its devices dealt out among them, so one slow answer delays only
  // its share and the endpoint serves them side by side. Measured: 117 devices
  // behind one port at a 20 ms scan, the latest scan end fell from 34 to 19 ms
  // with 4 connections (docs/performance.md).
  int connections_per_endpoint = 4;
  // The scan takes what the reads have brought in by this share of the scan
  // period and goes on; a device that has not answered by then is stale this scan
  // and polled apart from the scan, on a connection of its own, until it is in
  // time again (docs/modbus.md).
  double read_deadline_fraction = 0.5;
  // What the controller configures on every pod gateway at start-up: the cap it
  // falls to when the controller's heartbeat has stopped this long. 5 s outlasts
  // one reconnection (first back-off 2 s, heartbeat every 1 s). The safe cap, of
  // a pod's compute power, defaults (negative) to the share the grid contract
  // carries with no turbine running (docs/configuration.md).
  double pod_heartbeat_timeout_s = 5;
  double pod_safe_cap_pu = -1;
  std::vector<ModbusDevice> devices;  // [[modbus.device]] overrides
};

// plantd's own Modbus TCP server for SCADA and HMIs (docs/operations.md). Reads
// are open to any client that can connect; writes only to `write_allow`.
struct Scada {
  bool enabled = false;  // a [scada] table is present
  std::string bind = "127.0.0.1";
  int port = 1501;  // beside the device ports (1502 on); 502 needs privileges
  int max_clients = 64;
  // The server's connection rules (docs/configuration.md says why these values):
  // connections from one IPv4 address, a connection's longest wait for a whole
  // request, and a frame's longest time from its first byte to its last.
  int max_clients_per_address = 16;
  double idle_timeout_s = 60;
  int frame_timeout_ms = 1000;
  // Client addresses allowed to write: IPv4 addresses or CIDR blocks ("10.1.0.0/16").
  std::vector<std::string> write_allow;
  // At most one accepted write per client per this interval: a stuck HMI button
  // or a runaway script cannot hammer the plant's set-points.
  double min_write_interval_s = 1.0;
  // Bounds of the operator's import limit; the upper bound is the contract.
  double import_limit_min_mw = 0;
  // Bound of the operator's manual shed, of the site's IT compute power.
  double manual_shed_max_pu = 0.5;
};

// A hot-standby pair of plantd (docs/operations.md): where each node listens for
// its peer's heartbeat (UDP), and how many of its own scans without a heartbeat
// from an active peer make a standby take over. Two: the takeover's first write
// comes within three scans of the active's last, with one scan of jitter allowed.
struct RedundancyNode {
  std::string host;
  int port = 0;
};
struct Redundancy {
  bool enabled = false;  // a [redundancy] table is present
  RedundancyNode node_a, node_b;
  int loss_scans = 2;
  // The pair's shared heartbeat key (HMAC-SHA256): an absolute path to a file
  // readable by its owner only. plantd checks the file at start.
  std::string key_file;
};

// Alarm handling (ISA-18.2 / EEMUA 191). Defaults: docs/operations.md.
struct Alarms {
  // More annunciated alarms than this within flood_window_s is a flood (ISA-18.2:
  // 10 alarms in 10 minutes per operator); during it, new medium- and
  // low-priority alarms are suppressed and counted.
  int flood_alarms = 10;
  double flood_window_s = 600;
  double max_shelve_s = 8 * 3600;  // one shift
};

// The site controller's tuning. Defaults cite their source in docs/configuration.md.
enum class ControllerKind { kPlant, kBaseline };
// Grid-connected, a grid-side under-frequency: the campus sheds its stages as the
// utility's load-shedding program counts on its load (kShed), or rides through and
// leaves shedding to the utility's feeder relays (kRideThrough).
enum class UflsWhenConnected { kShed, kRideThrough };

struct ControllerSettings {
  ControllerKind kind = ControllerKind::kPlant;
  double scan_period_s = 0.1;        // 100 ms; down to 10 ms
  double import_margin_mw = 5;       // keep import this far below the contract
  double add_on_delay_s = 10;        // easYgen: a unit is added after 10 s of need
  double add_off_delay_s = 180;      // easYgen: removed after 180 s of surplus
  double min_run_s = 3600;           // a started unit runs at least this long
  double min_off_s = 900;            // a stopped unit stays off at least this long
  double stop_hysteresis_pu = 0.25;  // of a unit's rating: surplus needed to stop one
  double island_reserve_pu = 0.1;    // islanded: headroom kept on the online units, of load
  double resync_stable_s = 60;       // grid back and stable this long before closing
  double resync_timeout_s = 600;     // resynchronising this long without a close: alarm, stop
  // Islanded, the battery's energy is planned to last this long: about 2 hours, the
  // mean US interruption without major events (EIA, Today in Energy, 30 Nov 2018).
  double island_expected_outage_s = 7200;
  double restore_delay_s = 30;    // margin back this long before restoring GPU load
  double restore_step_pu = 0.02;  // of IT compute power, per restore step
  double restore_interval_s = 5;
  // ERCOT's five stages of 5 % each (Nodal Operating Guide 2.6.1, as revised by NOGRR247).
  std::vector<double> ufls_stages_hz{59.3, 59.1, 58.9, 58.7, 58.5};
  UflsWhenConnected ufls_when_connected = UflsWhenConnected::kShed;
  double ufls_stage_pu = 0.05;               // of IT load per stage (ERCOT NOG 2.6.1, NOGRR247)
  double ufls_delay_s = 0.1;                 // six cycles
  double battery_frequency_droop_pu = 0.02;  // islanded: full battery power at 2 % off nominal
  double battery_reserve_pu = 0.3;           // state of charge kept for contingencies and islanding
  double smoothing_floor_pu = 0.7;  // training pods' floor, of compute, when no battery smooths
  double meter_tolerance_mw = 5;    // meter vs balance estimate before the meter is suspect
  double frozen_meter_s = 5;        // a reading unchanged this long while load moves is frozen
  double critical_lost_s = 1;       // critical measurements bad this long: fail-safe
  double adopt_wait_s = 10;         // at start-up, with the POI good, wait this long for every unit
  // Connected, a day may draw this many days' start allowance ahead (permit_pace.hpp).
  double start_pace_credit_days = 7;
};

struct Site {
  std::string name;
  std::string description;
  std::string source_path;  // the file it was loaded from
  Grid grid;
  Island island;
  std::vector<TurbineGroup> turbine_groups;
  std::vector<PodGroup> pod_groups;
  Facility facility;
  bool has_battery = false;
  Battery battery;
  Permit permit;
  Modbus modbus;
  Scada scada;
  Alarms alarms;
  Redundancy redundancy;
  ControllerSettings controller;

  int turbine_count() const;
  int pod_count() const;
  long long gpu_count() const;
  double turbine_capacity_mw() const;
  double it_compute_mw() const;  // every pod at compute power
  // The pod gateways' safe cap, of compute power: [modbus] pod_safe_cap_pu, or by
  // default the share that keeps the site within its contract on the grid alone.
  double pod_safe_cap_pu() const;
};

// The site model in a canonical text, one "key=value" line per field that
// shapes the device map or the control (every section but [scada] and
// [redundancy], which are each node's own, and the description): two files that
// load to the same model give the same text, whatever their comments, spacing or
// key order. A hot-standby pair compares its hash (docs/operations.md).
std::string canonical_model(const Site& s);

const char* to_string(PriorityClass c);
const char* to_string(Workload w);
const char* to_string(IslandGovernor g);
const char* to_string(ControllerKind k);
const char* to_string(UflsWhenConnected u);
const char* to_string(SerialParity p);

}  // namespace site
