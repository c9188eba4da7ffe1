// plantsim: runs the plant simulator on a site (and optionally a scenario) in
// virtual time, as fast as the CPU allows or paced to real time, and prints what
// happened. With --serve it serves every simulated device over Modbus TCP (and,
// with --rtu, over Modbus RTU on a serial device), paced to real time (or
// --speed times faster), until its duration ends or it is signalled.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "finite_range.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_rtu_server.hpp"
#include "sim/modbus_tcp_server.hpp"
#include "sim/period_stats.hpp"
#include "sim/plant.hpp"
#include "sim/run_monitor.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_player.hpp"
#include "site/load.hpp"

namespace {

double ms_between(std::chrono::steady_clock::time_point from,
                  std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

void print_errors(const site::Diagnostics& errors) {
  for (const site::Diagnostic& d : errors)
    std::cerr << d.str() << "\n";
}

void print_summary(const sim::Plant& plant, double above_contract_s, double wall_s) {
  const sim::PlantTotals& t = plant.totals();
  double fuel = 0, co2 = 0, nox = 0;
  int starts = 0, trips = 0;
  for (int u = 0; u < plant.turbine_count(); ++u) {
    const sim::TurbineCounters& c = plant.turbine(u).counters();
    fuel += c.fuel_mmbtu;
    co2 += c.co2_kg;
    nox += c.nox_kg;
    starts += c.starts;
    trips += c.trips;
  }
  std::printf("\nSummary over %.0f s of virtual time (%.2f s of wall time, %.0fx real time)\n",
              plant.time_s(), wall_s, wall_s > 0 ? plant.time_s() / wall_s : 0.0);
  std::printf("  site energy        %10.1f MWh (losses %.1f MWh)\n", t.load_mwh, t.losses_mwh);
  std::printf("  grid import        %10.1f MWh, peak %.1f MW (contract %.1f MW, exceeded %.0f s)\n",
              t.import_mwh, t.max_import_mw, plant.site().grid.import_contract_mw,
              above_contract_s);
  std::printf("  turbines           %10.1f MWh, %d starts, %d trips\n", t.generation_mwh, starts,
              trips);
  std::printf("  fuel               %10.0f MMBtu, CO2 %.1f t, NOx %.3f t\n", fuel, co2 / 1000,
              nox / 1000);
  std::printf("  battery            %10.1f MWh out, %.1f MWh in\n", t.battery_discharge_mwh,
              t.battery_charge_mwh);
  std::printf("  islanded           %10.0f s, blackout %.0f s (unserved %.1f MWh)\n", t.islanded_s,
              t.blackout_s, t.unserved_mwh);
  std::printf("  frequency          %10.3f Hz min, %.3f Hz max\n",
              t.min_frequency_hz > 1e8 ? 0.0 : t.min_frequency_hz, t.max_frequency_hz);
  std::printf("  GPU energy capped  %10.1f MWh\n", t.curtailed_mwh);
}

// Serves the devices over Modbus TCP (and RTU); the plant steps on a 10 ms wall-clock timer.
// With a scenario, the run is judged on the plant's truth at the end (--json OUT),
// and plantsim exits 1 when an invariant breaks.
// The fencing audit: each change of a device's owner, with the wall clock in ms
// since the epoch (to set beside a controller's log) and the plant's time.
void log_owner_changes(sim::DeviceBank& bank, double t_s) {
  if (bank.owner_changes().empty()) return;
  const long long wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  for (const sim::OwnerChange& c : bank.owner_changes()) {
    const sim::DeviceId& d = bank.device(c.device);
    std::printf(
        "plantsim: wall_ms=%lld t=%.2fs owner of %s.%d: epoch %u (client %llu) -> epoch %u "
        "(client %llu)\n",
        wall_ms, t_s, hal::regs::device_map(d.kind).name, d.index, c.from_epoch,
        static_cast<unsigned long long>(c.from_client), c.to_epoch,
        static_cast<unsigned long long>(c.to_client));
  }
  bank.clear_owner_changes();
  std::fflush(stdout);
}

int serve(sim::Plant& plant, sim::ScenarioPlayer& player, const sim::Scenario& scenario,
          const site::Site& site, const std::string& host, int base_port, double duration_s,
          const std::string& json_path, bool wait_for_client, const std::string& rtu_device,
          int baud, double speed) {
  asio::io_context io;
  sim::DeviceBank bank(plant);
  // The meters read from power-on: one physics step before the first request can
  // arrive, so no client ever reads the zeros of a plant not yet stepped.
  sim::RunMonitor monitor(plant, scenario);
  player.apply_due();
  plant.step();
  bank.tick();
  monitor.observe(plant, plant.pods().curtailed_mw());
  // With --rtu, RTU requests are answered on the RTU server's thread: the plant is
  // stepped, and the bank read and written, under this one mutex.
  std::mutex plant_mutex;
  std::unique_ptr<sim::ModbusRtuServer> rtu;
  if (!rtu_device.empty()) {
    try {
      rtu = std::make_unique<sim::ModbusRtuServer>(bank, plant_mutex, rtu_device, baud);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "plantsim: cannot serve Modbus RTU: %s\n", e.what());
      return 1;
    }
  }
  std::unique_ptr<sim::ModbusTcpServer> server;
  try {
    server = std::make_unique<sim::ModbusTcpServer>(io, bank, site, host, base_port, &plant_mutex);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "plantsim: cannot listen on %s port %d: %s\n", host.c_str(), base_port,
                 e.what());
    return 1;
  }
  std::printf("plantsim: serving %d devices on %s, ports", bank.size(), host.c_str());
  for (int port : server->ports())
    std::printf(" %d", port);
  std::printf("\n");
  if (rtu)
    std::printf(
        "plantsim: serving %d devices over Modbus RTU on %s at %d baud 8N1, slave ids 1-%d\n",
        bank.size(), rtu_device.c_str(), baud, bank.size());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int) {
    if (!ec) io.stop();
  });
  asio::steady_timer timer(io);
  // One tick per physics step of wall time (at least 0.5 ms): the plant moves in
  // steps, never in bursts a controller could see, at any speed.
  const auto tick_period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::max(plant.step_s() / speed, 0.0005)));
  auto start = std::chrono::steady_clock::now();
  // How well this thread kept up: a tick that wakes late or runs long delays
  // every answer queued behind it.
  struct {
    long long count = 0;
    double late_ms = 0, longest_ms = 0;
  } ticks;
  std::function<void(const std::error_code&)> tick = [&](const std::error_code& ec) {
    if (ec) return;
    // On a bench the controller may start after the simulator: the plant's clock
    // can wait for the first client, so it never runs uncontrolled.
    if (wait_for_client && server->stats().connections == 0 &&
        (!rtu || rtu->stats().requests == 0)) {
      start = std::chrono::steady_clock::now();
      timer.expires_after(std::chrono::milliseconds(10));
      timer.async_wait(tick);
      return;
    }
    const auto woke = std::chrono::steady_clock::now();
    ticks.late_ms = std::max(ticks.late_ms, ms_between(timer.expiry(), woke));
    const double wall_s = speed * std::chrono::duration<double>(woke - start).count();
    const std::lock_guard<std::mutex> lock(plant_mutex);
    while (plant.time_s() + plant.step_s() <= wall_s) {
      player.apply_due();
      plant.step();
      bank.tick();
      // The controller is elsewhere: what its caps hold back stands for its shed target.
      monitor.observe(plant, plant.pods().curtailed_mw());
    }
    log_owner_changes(bank, plant.time_s());
    ++ticks.count;
    ticks.longest_ms =
        std::max(ticks.longest_ms, ms_between(woke, std::chrono::steady_clock::now()));
    if (duration_s > 0 && plant.time_s() >= duration_s) {
      io.stop();
      return;
    }
    timer.expires_after(tick_period);
    timer.async_wait(tick);
  };
  timer.expires_after(std::chrono::milliseconds(10));
  timer.async_wait(tick);
  io.run();
  if (rtu) {
    const sim::ServerStats rs = rtu->stats();
    rtu.reset();  // its thread stopped: the plant is this thread's alone again
    std::printf(
        "plantsim: served %llu RTU requests (%llu exceptions, %llu unanswered, %llu bad "
        "frames)\n",
        static_cast<unsigned long long>(rs.requests),
        static_cast<unsigned long long>(rs.exceptions),
        static_cast<unsigned long long>(rs.unanswered),
        static_cast<unsigned long long>(rs.bad_frames));
  }
  if (bank.fenced_writes() > 0)
    std::printf("plantsim: %llu writes refused (exception 1): another controller owns the device\n",
                static_cast<unsigned long long>(bank.fenced_writes()));
  std::printf("plantsim: %lld ticks; the latest woke %.1f ms after due, the longest took %.1f ms\n",
              ticks.count, ticks.late_ms, ticks.longest_ms);
  const sim::ServerStats st = server->stats();
  std::printf(
      "plantsim: served %llu requests on %llu connections (%llu exceptions, %llu unanswered, "
      "%llu bad frames; connections %llu refused, %llu evicted, %llu closed idle, %llu closed "
      "slow; %llu accept errors) over %.1f s\n",
      static_cast<unsigned long long>(st.requests), static_cast<unsigned long long>(st.connections),
      static_cast<unsigned long long>(st.exceptions),
      static_cast<unsigned long long>(st.unanswered),
      static_cast<unsigned long long>(st.bad_frames), static_cast<unsigned long long>(st.refused),
      static_cast<unsigned long long>(st.evicted), static_cast<unsigned long long>(st.closed_idle),
      static_cast<unsigned long long>(st.closed_slow),
      static_cast<unsigned long long>(st.accept_errors), plant.time_s());
  sim::RunReport report;
  report.scenario = scenario.name;
  report.site = site.name;
  report.controller = site.controller.kind;
  report.duration_s = plant.time_s();
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  monitor.finish(plant, report);
  std::fputs(sim::summary_text(report).c_str(), stdout);
  if (!json_path.empty()) {
    FILE* f = std::fopen(json_path.c_str(), "w");
    bool ok = f && std::fputs(sim::to_json(report).c_str(), f) >= 0;
    // The write error of a full disk (or /dev/full) shows at the flush in fclose.
    if (f && std::fclose(f) != 0) ok = false;
    if (!ok) {
      std::fprintf(stderr, "plantsim: cannot write %s: %s\n", json_path.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  return report.all_pass() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"plantsim: the plant simulator (grid, turbines, GPU pods, battery, faults)"};
  std::string config, scenario_file;
  double duration_s = 0, step_ms = 0, report_every_s = 3600;
  long long seed = -1;
  bool realtime = false, quiet = false;
  app.add_option("--config", config, "Site file (TOML); overrides the scenario's site")
      ->check(CLI::ExistingFile);
  app.add_option("--scenario", scenario_file, "Scenario file (TOML)")->check(CLI::ExistingFile);
  app.add_option("--duration-s", duration_s,
                 "Virtual time to run; default: the scenario's, or a day")
      ->check(plant_cli::FiniteRange(0.01, 366 * 86400.0));
  app.add_option("--step-ms", step_ms, "Physics step in ms; default: the scenario's, or 10")
      ->check(plant_cli::FiniteRange(1.0, 100.0));
  app.add_option("--seed", seed, "Random seed; default: the scenario's, or 1")
      ->check(CLI::Range(0LL, 2147483647LL));
  app.add_option("--report-every-s", report_every_s, "Seconds of virtual time per printed row")
      ->check(plant_cli::FiniteRange(1.0, 366 * 86400.0));
  app.add_flag("--realtime", realtime, "Pace the simulation to the wall clock");
  app.add_flag("--quiet", quiet, "Print only the summary");
  bool serve_modbus = false;
  std::string host;
  int base_port = 0;
  std::string json_path;
  bool wait_for_client = false;
  app.add_flag("--wait-for-client", wait_for_client,
               "With --serve: hold the plant's clock until the first client connects");
  app.add_option("--json", json_path, "With --serve: write the run's KPIs and invariants as JSON");
  app.add_flag("--serve", serve_modbus, "Serve every device over Modbus TCP, paced to real time");
  app.add_option("--host", host,
                 "With --serve: address to listen on (default: the site's [modbus] host)");
  app.add_option("--port", base_port,
                 "With --serve: first port (default: the site's [modbus] base_port)")
      ->check(CLI::Range(1, 65535));
  std::string rtu_device;
  int baud = sim::ModbusRtuServer::kDefaultBaud;
  app.add_option("--rtu", rtu_device,
                 "With --serve: also serve every device over Modbus RTU on this serial device "
                 "(slave id = 1 + the device's place: poi, battery, turbines, pods)");
  app.add_option("--baud", baud, "With --rtu: baud rate, 8N1 (default 19200)")
      ->check(CLI::IsMember({1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}));
  double speed = 1;
  app.add_option("--speed", speed,
                 "With --serve: virtual seconds per wall second, for benches and CI (the "
                 "controller must run at the same speed: plantd --speed)")
      ->check(plant_cli::FiniteRange(0.1, 100.0));
  CLI11_PARSE(app, argc, argv);
  if (config.empty() && scenario_file.empty()) {
    std::cerr << "plantsim: give --config SITE, --scenario FILE, or both\n";
    return 2;
  }

  sim::Scenario scenario;
  site::Site site;
  if (!scenario_file.empty()) {
    sim::ScenarioLoad loaded = sim::load_scenario_file(scenario_file, config);
    if (!loaded.errors.empty()) {
      print_errors(loaded.errors);
      return 1;
    }
    scenario = std::move(*loaded.scenario);
    site = std::move(*loaded.site);
  } else {
    site::LoadResult loaded = site::load_site_file(config);
    if (!loaded.errors.empty()) {
      print_errors(loaded.errors);
      return 1;
    }
    site = std::move(*loaded.site);
    scenario.name = "site only";
    scenario.file = config;
  }
  if (duration_s > 0) scenario.duration_s = duration_s;
  if (step_ms > 0) scenario.step_s = step_ms / 1000.0;
  if (seed >= 0) scenario.seed = static_cast<std::uint64_t>(seed);

  sim::Plant plant(site, sim::PlantOptions{scenario.step_s, scenario.seed});
  sim::ScenarioPlayer player(plant, scenario);
  player.initialise();
  if (serve_modbus)
    return serve(plant, player, scenario, site, host.empty() ? site.modbus.host : host,
                 base_port > 0 ? base_port : site.modbus.base_port,
                 duration_s > 0 ? duration_s : (scenario_file.empty() ? 0.0 : scenario.duration_s),
                 json_path, wait_for_client, rtu_device, baud, speed);

  std::printf(
      "plantsim: %s on %s: %d turbines, %d pods, %lld GPUs; %.0f s at %.0f ms steps, seed %llu\n",
      scenario.name.c_str(), site.name.c_str(), plant.turbine_count(), plant.pods().size(),
      site.gpu_count(), scenario.duration_s, scenario.step_s * 1000,
      static_cast<unsigned long long>(scenario.seed));
  sim::PeriodStats period, whole;
  if (!quiet) sim::PeriodStats::print_header(std::cout);
  std::size_t events_printed = 0;
  const auto wall_start = std::chrono::steady_clock::now();
  double next_row_s = report_every_s;
  player.run([&](const sim::Plant& p) {
    period.add(p);
    whole.add(p);
    if (!quiet) {
      for (; events_printed < player.applied().size(); ++events_printed)
        std::cout << "         event " << player.applied()[events_printed].text << "\n";
    }
    if (p.time_s() + 1e-9 >= next_row_s) {
      if (!quiet) period.print_row(std::cout, p.time_s(), p);
      period.reset();
      next_row_s += report_every_s;
    }
    if (realtime) {
      std::this_thread::sleep_until(wall_start + std::chrono::duration<double>(p.time_s()));
    }
  });
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  print_summary(plant, whole.above_contract_s(), wall_s);
  return 0;
}
