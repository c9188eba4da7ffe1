// Contingency to shed over Modbus: the islanded site of
// scenarios/islanded-turbine-trip.toml (nine units at full load, the battery
// spent) served by plantsim's server on its own thread; the HAL's Modbus backend
// and the controller scanning it. A unit trips between two scans; the figure is
// the wall time from the trip being in the registers to the write phase that
// carries the new caps having finished: read, step and write of that scan. On a
// running plant, up to one scan period of waiting for the next scan comes on top.
#include <asio.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench.hpp"
#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "modbus_io.hpp"
#include "process.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_tcp_server.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_player.hpp"

namespace bench {

namespace {

constexpr double kSettleS =
    15;  // islanded and steady before the trip (the file's trip is at 300 s)

// One trial: the trip's unit, and the wall time to the caps written (ms); -1 when
// the scan that saw the trip wrote no lower cap.
double trial(const sim::Scenario& scenario, const site::Site& s, int unit) {
  sim::Plant plant(s, sim::PlantOptions{scenario.step_s, scenario.seed});
  sim::ScenarioPlayer player(plant, scenario);
  player.initialise();
  sim::DeviceBank bank(plant);
  std::mutex plant_mutex;
  asio::io_context io;
  std::unique_ptr<sim::ModbusTcpServer> server;
  int port = 0;
  for (int attempt = 0; !server; ++attempt) {
    port = proc::free_port();
    try {
      server = std::make_unique<sim::ModbusTcpServer>(io, bank, s, "127.0.0.1", port, &plant_mutex);
    } catch (const std::exception&) {
      if (attempt == 10) throw;
    }
  }
  std::thread server_thread([&io] { io.run(); });
  double latency_ms = -1;
  {
    hal::ModbusIoOptions options;
    options.base_port = port;
    hal::ModbusIo client(s, options);
    hal::ProcessImage image(s);
    hal::Commands commands(s), before(s);
    fw::Controller controller(s, fw::PermitUsage{});
    const double period_s = s.controller.scan_period_s;
    const int settle_scans = static_cast<int>(kSettleS / period_s);
    for (int scan = 0; scan <= settle_scans; ++scan) {
      const double now = scan * period_s;
      {
        const std::lock_guard<std::mutex> lock(plant_mutex);
        while (plant.time_s() + 1e-9 < now) {
          player.apply_due();
          plant.step();
          bank.tick();
        }
        if (scan == settle_scans) plant.turbine_trip(unit);
      }
      before = commands;
      const auto t0 = std::chrono::steady_clock::now();
      client.read(image, now);
      controller.step(image, fw::OperatorInputs{}, now, commands);
      client.write(commands, now);
      const auto t1 = std::chrono::steady_clock::now();
      controller.log().clear();
      if (scan < settle_scans) continue;
      int lowered = 0;
      for (std::size_t p = 0; p < commands.pods.size(); ++p)
        lowered += commands.pods[p].cap_mw > 0 &&
                   (before.pods[p].cap_mw <= 0 || commands.pods[p].cap_mw < before.pods[p].cap_mw);
      if (lowered > 0) latency_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    }
  }
  io.stop();
  server_thread.join();
  return latency_ms;
}

}  // namespace

Figures contingency(const Options& o) {
  const std::string file = o.source_dir + "/scenarios/islanded-turbine-trip.toml";
  sim::ScenarioLoad loaded = sim::load_scenario_file(file);
  if (!loaded.errors.empty()) throw std::runtime_error("cannot load " + file);
  const site::Site& s = *loaded.site;
  const int trials = o.quick ? 2 : 20;
  std::vector<double> ms;
  for (int t = 0; t < trials; ++t) {
    const double latency_ms = trial(*loaded.scenario, s, t % 9);  // units 0-8 run
    if (latency_ms < 0)
      throw std::runtime_error("trial " + std::to_string(t) +
                               ": the scan that saw the trip wrote no lower cap");
    ms.push_back(latency_ms);
  }
  const std::string what =
      ", " + std::to_string(s.pod_count()) + " pods, " + std::to_string(trials) + " trips";
  return {{"contingency", "trip in the registers to caps written, median" + what,
           percentile(ms, 0.5), "ms"},
          {"contingency", "trip in the registers to caps written, p99" + what, percentile(ms, 0.99),
           "ms"}};
}

}  // namespace bench
