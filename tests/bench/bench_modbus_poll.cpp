// One full poll cycle of a site's devices over loopback Modbus TCP: the HAL's
// Modbus backend reading every device while plantsim's server (in this process,
// on its own thread, the plant held still) answers.
//
//   build/ci/tests/bench/bench_modbus_poll config/colossus-1m.toml [cycles=200] [port=15500]
//
// Prints the median and 99th percentile of ModbusIo::read() (every device's input
// table; holding tables every 5 s) and of a read plus a write of new caps to every pod.
#include <algorithm>
#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "modbus_io.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_tcp_server.hpp"
#include "site/load.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_modbus_poll SITE.toml [cycles] [port]\n");
    return 2;
  }
  const int cycles = argc > 2 ? std::atoi(argv[2]) : 200;
  const int port = argc > 3 ? std::atoi(argv[3]) : 15500;
  site::LoadResult loaded = site::load_site_file(argv[1]);
  if (!loaded.site) return 1;
  const site::Site& s = *loaded.site;
  sim::Plant plant(s, sim::PlantOptions{0.01, 1});
  plant.run_for(1);
  sim::DeviceBank bank(plant);
  asio::io_context io;
  sim::ModbusTcpServer server(io, bank, s, "127.0.0.1", port);
  std::thread server_thread([&io] { io.run(); });

  hal::ModbusIoOptions options;
  options.base_port = port;
  options.response_timeout_s = 1.0;
  hal::ModbusIo client(s, options);
  hal::ProcessImage image(s);
  hal::Commands commands(s);
  // Steady scans first (nothing new to write but heartbeats), then the worst
  // scans: a new cap for every pod, each written and read back the next scan.
  std::vector<double> steady_read_ms, steady_scan_ms, busy_read_ms, busy_scan_ms;
  const double pod_mw =
      s.pod_groups.front().compute_w_per_gpu * s.pod_groups.front().gpus_per_pod * 1e-6;
  for (int i = 0; i < 2 * cycles; ++i) {
    const bool busy = i >= cycles;
    const double now = i * 0.1;
    const auto t0 = std::chrono::steady_clock::now();
    client.read(image, now);
    const auto t1 = std::chrono::steady_clock::now();
    for (size_t p = 0; p < commands.pods.size(); ++p)
      commands.pods[p].cap_mw = busy && i % 2 ? 0.9 * pod_mw : pod_mw;
    client.write(commands, now);
    const auto t2 = std::chrono::steady_clock::now();
    (busy ? busy_read_ms : steady_read_ms)
        .push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    (busy ? busy_scan_ms : steady_scan_ms)
        .push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
  }
  io.stop();
  server_thread.join();
  auto pct = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
  };
  steady_read_ms.erase(steady_read_ms.begin());  // the first scan reads every holding table too
  const hal::ModbusIo::Counters c = client.counters();
  std::printf("%s: %d devices on %zu port(s), %zu connection(s), %d+%d scans\n", s.name.c_str(),
              bank.size(), server.ports().size(), client.connection_count(), cycles, cycles);
  std::printf("  poll cycle (read every device)   median %6.2f ms, p99 %6.2f ms\n",
              pct(steady_read_ms, 0.5), pct(steady_read_ms, 0.99));
  std::printf("  steady scan (read + heartbeats)  median %6.2f ms, p99 %6.2f ms\n",
              pct(steady_scan_ms, 0.5), pct(steady_scan_ms, 0.99));
  std::printf("  busy poll (with read-backs)      median %6.2f ms, p99 %6.2f ms\n",
              pct(busy_read_ms, 0.5), pct(busy_read_ms, 0.99));
  std::printf("  busy scan (+ a cap to every pod) median %6.2f ms, p99 %6.2f ms\n",
              pct(busy_scan_ms, 0.5), pct(busy_scan_ms, 0.99));
  std::printf("  %llu requests, %llu timeouts\n", static_cast<unsigned long long>(c.requests),
              static_cast<unsigned long long>(c.timeouts));
  return 0;
}
