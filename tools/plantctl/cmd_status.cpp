// `plantctl status [--watch [S]]`: the live state of a running plantd, read over
// its SCADA map (hal/registers scada_map; docs/register-maps.md, plantd): mode,
// import against the limit, frequency, GPU load by priority class, units,
// battery, KPIs and the alarms that are not at rest.
#include <modbus/modbus.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "commands.hpp"
#include "finite_range.hpp"
#include "fw/alarms.hpp"
#include "fw/supervisor.hpp"
#include "fw/turbine_machine.hpp"
#include "hal/registers.hpp"
#include "site/load.hpp"

namespace plantctl {
namespace {

using hal::regs::Register;
using Table = std::array<std::uint16_t, hal::regs::kScadaRegisters>;

struct StatusArgs {
  std::string config, host = "127.0.0.1";
  int port = 0;
  double watch_s = 0;
  bool watch = false, host_given = false;
};

// The whole map as last read: input and holding tables.
struct Snapshot {
  Table input{}, holding{};

  double value(const char* name, int item = 0) const {
    const Register* r = hal::regs::scada_map().find(name);
    if (r == nullptr) throw std::logic_error(std::string("SCADA map lacks ") + name);
    const Table& t = r->table == hal::regs::Table::kInput ? input : holding;
    return hal::regs::decode(*r, &t[r->address_of(item)]);
  }
  int code(const char* name, int item = 0) const { return static_cast<int>(value(name, item)); }
};

// Reads [first, first + count) of a table, 125 registers per request at most.
bool read_range(modbus_t* ctx, bool input, int first, int count, Table& t) {
  for (int at = first; at < first + count; at += MODBUS_MAX_READ_REGISTERS) {
    const int n = std::min(MODBUS_MAX_READ_REGISTERS, first + count - at);
    const int got = input ? modbus_read_input_registers(ctx, at, n, &t[static_cast<size_t>(at)])
                          : modbus_read_registers(ctx, at, n, &t[static_cast<size_t>(at)]);
    if (got != n) return false;
  }
  return true;
}

bool read_snapshot(modbus_t* ctx, Snapshot& s) {
  const Register& unit = *hal::regs::scada_map().find("unit_status");
  const Register& cls = *hal::regs::scada_map().find("class_power_mw");
  if (!read_range(ctx, true, 0, unit.address, s.input)) return false;
  const int units = std::min<int>(s.code("unit_count"), unit.count);
  return read_range(ctx, true, unit.address, units * unit.stride, s.input) &&
         read_range(ctx, true, cls.address, cls.count * cls.stride, s.input) &&
         read_range(ctx, false, 0, 9, s.holding);
}

// Codes from the wire are checked before they index anything.
std::string mode_name(int code) {
  if (code < 0 || code > static_cast<int>(fw::Mode::kManual))
    return "unknown (" + std::to_string(code) + ")";
  return fw::to_string(static_cast<fw::Mode>(code));
}

std::string unit_state_name(int code) {
  if (code < 0 || code > static_cast<int>(fw::UnitState::kLockout))
    return "? (" + std::to_string(code) + ")";
  return fw::to_string(static_cast<fw::UnitState>(code));
}

std::string unit_status_name(int code) {
  static const char* const names[] = {"off",      "starting", "loading", "online",
                                      "stopping", "cooldown", "tripped"};
  if (code == 255) return "no answer";
  if (code < 0 || code > 6) return "? (" + std::to_string(code) + ")";
  return names[code];
}

std::string alarm_name(int number) {
  if (number < 1 || number > fw::kAlarmCount) return "alarm " + std::to_string(number);
  return fw::alarm_info(static_cast<fw::AlarmId>(number - 1)).name;
}

void print(const Snapshot& s, const std::string& where, bool stale) {
  const int status = s.code("status");
  const int role = s.code("redundancy_role");
  const std::string pair = role == 1 ? ", ACTIVE node of a hot-standby pair (epoch " +
                                           std::to_string(s.code("owner_epoch")) + ")"
                           : role == 2
                               ? ", STANDBY node of a hot-standby pair (reads, does not write)"
                               : "";
  std::printf("plantd at %s: scan %.0f, %.0f overruns%s%s\n", where.c_str(), s.value("scans"),
              s.value("scan_overruns"), pair.c_str(),
              stale ? "  ** STALE: the scan counter has not moved **" : "");
  std::printf("mode %-16s grid %s   bus %.3f Hz   grid %.3f Hz%s\n",
              mode_name(s.code("mode")).c_str(), status & 1 ? "connected" : "NOT CONNECTED",
              s.value("bus_frequency_hz"), s.value("grid_frequency_hz"),
              status & 2 ? "   import meter SUSPECT" : "");
  char limit[32] = "none";
  if (s.value("import_limit_mw") > 0)
    std::snprintf(limit, sizeof limit, "%.1f MW", s.value("import_limit_mw"));
  std::printf("import %.1f MW   limit %.1f MW   contract %.1f MW   operator limit %s\n",
              s.value("import_mw"), s.value("import_limit_in_force_mw"),
              s.value("import_contract_mw"), limit);
  std::printf("site load %.1f MW   turbines %.1f MW (%d online, %d starting)",
              s.value("site_load_mw"), s.value("turbine_power_mw"), s.code("units_online"),
              s.code("units_starting"));
  if (status & 8)
    std::printf("   battery %.1f MW, %.1f %%", s.value("battery_power_mw"),
                100 * s.value("battery_soc_pu"));
  std::printf("\nGPU %.1f of %.1f MW compute   shed %.1f MW   manual shed %.1f MW%s\n",
              s.value("it_power_mw"), s.value("it_compute_mw"), s.value("shed_mw"),
              s.value("manual_shed_mw"), status & 4 ? "   unit start BLOCKED by permit" : "");
  std::printf("\n  %-10s %5s %5s %10s %10s %11s\n", "class", "pods", "lost", "power MW", "cap MW",
              "compute MW");
  static const char* const classes[] = {"inference", "training", "batch"};
  for (int c = 0; c < 3; ++c)
    std::printf("  %-10s %5d %5d %10.1f %10.1f %11.1f\n", classes[c], s.code("class_pods", c),
                s.code("class_pods_lost", c), s.value("class_power_mw", c),
                s.value("class_cap_mw", c), s.value("class_compute_mw", c));
  const int units =
      std::min<int>(s.code("unit_count"), hal::regs::scada_map().find("unit_status")->count);
  std::printf("\n  %-4s %-10s %-9s %9s %12s %7s %6s\n", "unit", "status", "state", "power MW",
              "setpoint MW", "starts", "stops");
  for (int u = 0; u < units; ++u)
    std::printf("  %-4d %-10s %-9s %9.1f %12.1f %7d %6d\n", u,
                unit_status_name(s.code("unit_status", u)).c_str(),
                unit_state_name(s.code("unit_state", u)).c_str(), s.value("unit_power_mw", u),
                s.value("unit_setpoint_mw", u), s.code("unit_starts", u), s.code("unit_stops", u));
  std::printf("\nKPIs: curtailed %.3f MWh   NOx %.1f of %.1f kg   UFLS stages %d\n",
              s.value("curtailed_mwh"), s.value("nox_kg"), s.value("nox_cap_kg"),
              s.code("ufls_stages"));
  std::printf("permit year day %.2f: %d of %d starts used, %.1f allowed by today%s\n",
              s.value("permit_year_day"), s.code("starts_used"), s.code("starts_budget"),
              s.value("starts_allowed"), status & 32 ? "   a start is HELD by the pace" : "");
  const int first = s.code("alarm_first_out");
  std::printf("alarms: %d active, %d unacknowledged, first out: %s%s\n", s.code("alarms_active"),
              s.code("alarms_unacked"), first > 0 ? alarm_name(first).c_str() : "none",
              status & 16 ? "   ** ALARM FLOOD **" : "");
  const int count =
      std::min<int>(s.code("alarm_count"), hal::regs::scada_map().find("alarm_state")->count);
  for (int a = 0; a < count; ++a) {
    const int state = s.code("alarm_state", a);
    if (state == static_cast<int>(fw::AlarmState::kNormal)) continue;
    const std::string state_name = state <= static_cast<int>(fw::AlarmState::kSuppressed)
                                       ? fw::to_string(static_cast<fw::AlarmState>(state))
                                       : "? (" + std::to_string(state) + ")";
    const char* priority = a < fw::kAlarmCount
                               ? fw::to_string(fw::alarm_info(static_cast<fw::AlarmId>(a)).priority)
                               : "?";
    std::printf("  %3d %-24s %-7s %s\n", a + 1, alarm_name(a + 1).c_str(), priority,
                state_name.c_str());
  }
  std::fflush(stdout);
}

void status_cmd(StatusArgs a) {
  if (!a.config.empty()) {
    site::LoadResult loaded = site::load_site_file(a.config);
    for (const auto& d : loaded.errors)
      std::cerr << d.str() << "\n";
    if (!loaded.errors.empty()) throw CLI::RuntimeError(1);
    const site::Scada& sc = loaded.site->scada;
    if (a.port == 0) a.port = sc.port;
    if (!a.host_given && sc.bind != "0.0.0.0") a.host = sc.bind;
  }
  if (a.port == 0) a.port = site::Scada{}.port;
  const std::string where = a.host + ":" + std::to_string(a.port);
  std::unique_ptr<modbus_t, void (*)(modbus_t*)> ctx(modbus_new_tcp(a.host.c_str(), a.port),
                                                     [](modbus_t* c) {
                                                       modbus_close(c);
                                                       modbus_free(c);
                                                     });
  if (!ctx) {
    std::cerr << "plantctl: bad address " << where << "\n";
    throw CLI::RuntimeError(1);
  }
  modbus_set_response_timeout(ctx.get(), 1, 0);
  double last_scans = -1;
  bool connected = false;
  while (true) {
    Snapshot s;
    if (!connected) connected = modbus_connect(ctx.get()) == 0;
    const bool ok = connected && read_snapshot(ctx.get(), s);
    if (!ok) {
      const std::string why = modbus_strerror(errno);
      if (connected) modbus_close(ctx.get());
      connected = false;
      if (!a.watch) {
        std::cerr << "plantctl: cannot read plantd's SCADA map at " << where << ": " << why
                  << " (is plantd running with a [scada] table or --scada-port?)\n";
        throw CLI::RuntimeError(1);
      }
      std::printf("\033[H\033[2Jplantd at %s: no answer (%s); retrying\n", where.c_str(),
                  why.c_str());
      std::fflush(stdout);
    } else {
      if (a.watch) std::printf("\033[H\033[2J");
      const double scans = s.value("scans");
      print(s, where, a.watch && scans == last_scans);
      last_scans = scans;
    }
    if (!a.watch) return;
    std::this_thread::sleep_for(std::chrono::duration<double>(a.watch_s));
  }
}

}  // namespace

void add_status_commands(CLI::App& app) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Show a running plantd's state, read over its SCADA map (Modbus TCP)");
  cmd->add_option("--config", args->config, "Site file: plantd's [scada] address and port")
      ->check(CLI::ExistingFile);
  cmd->add_option("--host", args->host, "plantd's address (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "plantd's SCADA port (default: the site's, or 1501)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--watch", args->watch_s, "Refresh every this many seconds until interrupted")
      ->expected(0, 1)
      ->default_str("2")
      ->check(plant_cli::FiniteRange(0.2, 3600.0));
  cmd->callback([args, cmd] {
    StatusArgs a = *args;
    a.watch = cmd->count("--watch") > 0;
    a.host_given = cmd->count("--host") > 0;
    if (a.watch && a.watch_s <= 0) a.watch_s = 2;
    status_cmd(a);
  });
}

}  // namespace plantctl
