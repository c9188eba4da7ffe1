// plantd's own register map, served over Modbus TCP to SCADA and HMIs: the site
// at a glance, per-unit and per-priority-class blocks, alarms, KPIs, and the few
// set-points an operator may write. Same conventions as the device maps; writes
// are checked by plantd against its [scada] settings (allowlist, bounds, rate).
#include "hal/registers.hpp"
#include "site/site.hpp"

namespace hal::regs {

namespace {

constexpr double kKw = 0.001;
constexpr double kMilli = 0.001;
constexpr double kPu = 0.0001;

// Items of the repeated blocks.
// One unit block for every unit a site may have (the site loader's limit).
constexpr std::uint16_t kUnitBase = 100, kUnitStride = 8, kMaxUnits = site::kMaxTurbineUnits;
constexpr std::uint16_t kClassBase = 1200, kClassStride = 8, kClasses = 3;
constexpr std::uint16_t kAlarmBase = 60, kMaxAlarms = 40;
constexpr std::uint16_t kServerBase = 1240;  // the SCADA server's own counters

Register in(const char* name, std::uint16_t address, Type type, double scale, const char* unit,
            const char* meaning, std::vector<Bit> bits = {}) {
  return {name, Table::kInput, address, type, scale, unit, Access::kRead, meaning, std::move(bits)};
}

Register repeated(Register r, std::uint16_t count, std::uint16_t stride) {
  r.count = count;
  r.stride = stride;
  return r;
}

DeviceMap scada() {
  std::vector<Register> r = {
      in("scan_counter", 0, Type::kU16, 1, "count",
         "counts up every scan, wrapping at 65535: a reader that sees it stop knows plantd is "
         "stuck"),
      in("mode", 1, Type::kU16, 1, "code",
         "supervisor mode: 0 Init, 1 GridParallel, 2 TurbineAssist, 3 Islanded, "
         "4 Resynchronising, 5 EmergencyShed, 6 FailSafe, 7 Manual"),
      in("status", 2, Type::kU16, 1, "bits", "site state",
         {{0, "grid_connected", "grid breaker closed and grid live"},
          {1, "import_meter_suspect", "the POI meter is not trusted: import is estimated"},
          {2, "start_blocked_by_permit", "a needed unit start is forbidden by the air permit"},
          {3, "battery_present", "the site has a battery"},
          {4, "alarm_flood", "an alarm flood is in progress"},
          {5, "start_held_by_pace",
           "connected, a start the load wants is beyond the year's start pace: the battery and "
           "GPU caps carry it"}}),
      in("import_mw", 3, Type::kI32, kKw, "MW", "grid import, best estimate; negative = export"),
      in("import_contract_mw", 5, Type::kI32, kKw, "MW", "the grid contract's maximum import"),
      in("import_limit_in_force_mw", 7, Type::kI32, kKw, "MW",
         "the limit the controller holds: the contract, or the operator's lower limit"),
      in("bus_frequency_hz", 9, Type::kU32, kMilli, "Hz", "site bus frequency"),
      in("grid_frequency_hz", 11, Type::kU32, kMilli, "Hz", "utility-side frequency; 0 when dead"),
      in("site_load_mw", 13, Type::kI32, kKw, "MW", "facility load served"),
      in("turbine_power_mw", 15, Type::kI32, kKw, "MW", "sum of the units' output"),
      in("shed_mw", 17, Type::kI32, kKw, "MW", "GPU power held back by caps (target)"),
      in("battery_power_mw", 19, Type::kI32, kKw, "MW", "positive = discharging; 0 without one"),
      in("battery_soc_pu", 21, Type::kU16, kPu, "pu", "battery state of charge"),
      in("units_online", 22, Type::kU16, 1, "count", "units online"),
      in("units_starting", 23, Type::kU16, 1, "count", "units starting"),
      in("unit_count", 24, Type::kU16, 1, "count", "units of the site (blocks in use below)"),
      in("it_power_mw", 26, Type::kI32, kKw, "MW", "GPU pods' power"),
      in("it_compute_mw", 28, Type::kI32, kKw, "MW", "GPU pods' power with every GPU computing"),
      in("curtailed_mwh", 30, Type::kU32, 0.001, "MWh",
         "GPU energy held back by caps since plantd started"),
      in("nox_kg", 32, Type::kU32, 0.1, "kg", "rolling 12-month NOx, the controller's estimate"),
      in("nox_cap_kg", 34, Type::kU32, 0.1, "kg", "the air permit's 12-month NOx cap"),
      in("scans", 36, Type::kU32, 1, "count", "scans since plantd started"),
      in("scan_overruns", 38, Type::kU32, 1, "count", "scans that ran more than a period late"),
      in("ufls_stages", 40, Type::kU16, 1, "count", "under-frequency shedding stages that acted"),
      in("redundancy_role", 41, Type::kU16, 1, "code",
         "0 a single controller, 1 active of a hot-standby pair, 2 standby (it neither steps "
         "nor writes)"),
      in("owner_epoch", 42, Type::kU16, 1, "epoch",
         "the epoch this node claimed the devices with as active; 0 otherwise"),
      in("permit_year_day", 43, Type::kU16, 0.01, "day",
         "days of the permit year gone (from [permit] year_start, UTC)"),
      in("starts_used", 44, Type::kU32, 1, "count", "every unit's starts this permit year"),
      in("starts_allowed", 46, Type::kU32, 0.1, "count",
         "starts the pace allows by today: the year's budget a day at a time, unused days "
         "carried over, [controller] start_pace_credit_days ahead (docs/configuration.md)"),
      in("starts_budget", 48, Type::kU32, 1, "count", "every unit's starts_per_unit_per_year"),
      in("alarms_active", 50, Type::kU16, 1, "count", "alarms whose condition is active"),
      in("alarms_unacked", 51, Type::kU16, 1, "count",
         "alarms waiting for acknowledgement (active or cleared)"),
      in("alarm_first_out", 52, Type::kU16, 1, "code",
         "number of the first-out alarm (alarm_state item + 1); 0 with the annunciator at rest"),
      in("alarms_suppressed_total", 53, Type::kU32, 1, "count",
         "alarms suppressed by design or by a flood since plantd started"),
      in("alarm_count", 55, Type::kU16, 1, "count", "alarms in the catalogue"),
      repeated(in("alarm_state", kAlarmBase, Type::kU16, 1, "code",
                  "state of alarm number i + 1 (docs/operations.md lists them): 0 normal, "
                  "1 unacked, 2 acked, 3 cleared-unacked, 4 shelved, 5 suppressed"),
               kMaxAlarms, 1),
      repeated(in("unit_status", kUnitBase, Type::kU16, 1, "code",
                  "the unit's own status (turbine map's codes); 255 when it does not answer"),
               kMaxUnits, kUnitStride),
      repeated(in("unit_state", kUnitBase + 1, Type::kU16, 1, "code",
                  "the controller's view: 0 off, 1 starting, 2 online, 3 cooling, 4 lockout"),
               kMaxUnits, kUnitStride),
      repeated(in("unit_power_mw", kUnitBase + 2, Type::kI32, kKw, "MW", "unit output"), kMaxUnits,
               kUnitStride),
      repeated(in("unit_setpoint_mw", kUnitBase + 4, Type::kI32, kKw, "MW",
                  "unit setpoint, read back from the unit"),
               kMaxUnits, kUnitStride),
      repeated(in("unit_starts", kUnitBase + 6, Type::kU16, 1, "count",
                  "starts this permit year, counted by the controller"),
               kMaxUnits, kUnitStride),
      repeated(in("unit_stops", kUnitBase + 7, Type::kU16, 1, "count",
                  "stops this permit year, counted by the controller"),
               kMaxUnits, kUnitStride),
      repeated(in("class_power_mw", kClassBase, Type::kI32, kKw, "MW",
                  "pods' power of priority class i: 0 inference, 1 training, 2 batch"),
               kClasses, kClassStride),
      repeated(in("class_cap_mw", kClassBase + 2, Type::kI32, kKw, "MW",
                  "sum of the class's caps in effect"),
               kClasses, kClassStride),
      repeated(in("class_compute_mw", kClassBase + 4, Type::kI32, kKw, "MW",
                  "sum of the class's compute power"),
               kClasses, kClassStride),
      repeated(in("class_pods_lost", kClassBase + 6, Type::kU16, 1, "count",
                  "the class's pod gateways that do not answer"),
               kClasses, kClassStride),
      repeated(in("class_pods", kClassBase + 7, Type::kU16, 1, "count", "pods of the class"),
               kClasses, kClassStride),
      in("scada_clients", kServerBase, Type::kU16, 1, "count", "SCADA connections open now"),
      in("scada_connections", kServerBase + 1, Type::kU32, 1, "count",
         "SCADA connections accepted since plantd started"),
      in("scada_connections_refused", kServerBase + 3, Type::kU32, 1, "count",
         "connections closed at once: [scada] max_clients_per_address already open from that "
         "address"),
      in("scada_connections_evicted", kServerBase + 5, Type::kU32, 1, "count",
         "connections closed to make room for a new client at [scada] max_clients: each the one "
         "longest without a whole request"),
      in("scada_connections_closed_idle", kServerBase + 7, Type::kU32, 1, "count",
         "connections closed after [scada] idle_timeout_s without a whole request"),
      in("scada_connections_closed_slow", kServerBase + 9, Type::kU32, 1, "count",
         "connections closed with a frame unfinished after [scada] frame_timeout_ms, or a "
         "reply the client did not take"),
      in("scada_bad_frames", kServerBase + 11, Type::kU32, 1, "count",
         "malformed frames (protocol id not 0, an MBAP length the function disagrees with): "
         "each closed its connection"),
      in("scada_requests_refused", kServerBase + 13, Type::kU32, 1, "count",
         "requests answered with an exception, reads and writes"),
      in("scada_accept_errors", kServerBase + 15, Type::kU32, 1, "count",
         "accepts that failed (out of descriptors, say), each retried after 100 ms"),
      {"import_limit_mw",
       Table::kHolding,
       0,
       Type::kI32,
       kKw,
       "MW",
       Access::kReadWrite,
       "operator's import limit: 0 = the contract; otherwise from [scada] import_limit_min_mw up "
       "to the contract",
       {}},
      {"mode_request",
       Table::kHolding,
       2,
       Type::kU16,
       1,
       "code",
       Access::kWrite,
       "1 = automatic, 2 = manual; reads back 0",
       {}},
      {"manual_shed_mw",
       Table::kHolding,
       3,
       Type::kI32,
       kKw,
       "MW",
       Access::kReadWrite,
       "GPU power to hold back whatever the controller's own need, 0 up to [scada] "
       "manual_shed_max_pu of it_compute_mw",
       {}},
      {"alarm_acknowledge",
       Table::kHolding,
       5,
       Type::kU16,
       1,
       "code",
       Access::kWrite,
       "alarm number to acknowledge, 65535 = all; exception 3 for a number not in the catalogue; "
       "reads back 0",
       {}},
      {"alarm_shelve",
       Table::kHolding,
       6,
       Type::kU16,
       1,
       "code",
       Access::kWrite,
       "alarm number to shelve for shelve_duration_s; urgent alarms cannot be shelved "
       "(exception 3); reads back 0",
       {}},
      {"alarm_unshelve",
       Table::kHolding,
       7,
       Type::kU16,
       1,
       "code",
       Access::kWrite,
       "alarm number to unshelve; exception 3 when it is not shelved; reads back 0",
       {}},
      {"shelve_duration_s",
       Table::kHolding,
       8,
       Type::kU16,
       1,
       "s",
       Access::kReadWrite,
       "how long the next shelve lasts: 60 up to [alarms] max_shelve_s",
       {}},
  };
  return {DeviceKind::kPlantController, "plantd",
          "the plant controller itself, for SCADA and HMIs (plantd's [scada] server)",
          std::move(r)};
}

}  // namespace

const DeviceMap& scada_map() {
  static const DeviceMap map = scada();
  return map;
}

}  // namespace hal::regs
