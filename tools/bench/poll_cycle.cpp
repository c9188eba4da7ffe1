// One full poll cycle of a site's devices over loopback Modbus TCP: the HAL's
// Modbus backend reading every device while plantsim's server (in this process,
// on its own thread, the plant held still) answers.
#include <asio.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "modbus_io.hpp"
#include "process.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_tcp_server.hpp"

namespace bench {

namespace {
// The server's ports count up from a free one; another base when one is taken.
std::unique_ptr<sim::ModbusTcpServer> listen(asio::io_context& io, sim::DeviceBank& bank,
                                             const site::Site& s, int& port) {
  for (int attempt = 0;; ++attempt) {
    port = proc::free_port();
    try {
      return std::make_unique<sim::ModbusTcpServer>(io, bank, s, "127.0.0.1", port);
    } catch (const std::exception&) {
      if (attempt == 10) throw;
    }
  }
}
}  // namespace

// Steady scans first (nothing new to write but heartbeats), then busy scans: a new
// cap for every pod, each written and read back the next scan.
Figures poll_cycle(const site::Site& s, const Options& o) {
  const int cycles = o.quick ? 20 : 200;
  sim::Plant plant(s, sim::PlantOptions{0.01, 1});
  plant.run_for(1);
  sim::DeviceBank bank(plant);
  asio::io_context io;
  int port = 0;
  std::unique_ptr<sim::ModbusTcpServer> server = listen(io, bank, s, port);
  std::thread server_thread([&io] { io.run(); });

  hal::ModbusIoOptions options;
  options.base_port = port;
  options.response_timeout_s = 1.0;
  std::vector<double> steady_read_ms, busy_scan_ms;
  std::uint64_t timeouts = 0;
  {
    hal::ModbusIo client(s, options);
    hal::ProcessImage image(s);
    hal::Commands commands(s);
    const double pod_mw =
        s.pod_groups.front().compute_w_per_gpu * s.pod_groups.front().gpus_per_pod * 1e-6;
    for (int i = 0; i < 2 * cycles; ++i) {
      const bool busy = i >= cycles;
      const double now = i * s.controller.scan_period_s;
      const auto t0 = std::chrono::steady_clock::now();
      client.read(image, now);
      const auto t1 = std::chrono::steady_clock::now();
      for (hal::PodOutputs& p : commands.pods)
        p.cap_mw = busy && i % 2 ? 0.9 * pod_mw : pod_mw;
      client.write(commands, now);
      const auto t2 = std::chrono::steady_clock::now();
      if (!busy && i > 0)  // the first reads every holding table as well
        steady_read_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (busy) busy_scan_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
    }
    timeouts = client.counters().timeouts;
  }
  io.stop();
  server_thread.join();
  if (timeouts > 0)
    throw std::runtime_error("the poll cycle saw " + std::to_string(timeouts) + " timeouts");
  const std::string size = std::to_string(bank.size()) + " devices on " +
                           std::to_string(server->ports().size()) + " port(s)";
  return {{"modbus poll", "poll cycle median, " + size, percentile(steady_read_ms, 0.5), "ms"},
          {"modbus poll", "poll cycle p99, " + size, percentile(steady_read_ms, 0.99), "ms"},
          {"modbus poll", "busy scan (a new cap to every pod) p99, " + size,
           percentile(busy_scan_ms, 0.99), "ms"}};
}

}  // namespace bench
