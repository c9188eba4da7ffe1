// plantsim's Modbus TCP server against a python3-pymodbus server and a minimal
// select-loop libmodbus server (select_loop_server) under the same client load,
// in one run: requests per second and server CPU time per request.
//
//   build/ci/tests/bench/bench_server_compare [seconds=5]
//
// Each server is a real process on 127.0.0.1; the load is libmodbus clients on 1 and
// on 8 connections, each reading one pod gateway's input table (12 registers) in a
// loop. Server CPU time comes from /proc/PID/stat (user + system).
#include <modbus/modbus.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../integration/process.hpp"
#include "hal/device_addresses.hpp"
#include "site/load.hpp"

namespace {

double cpu_s(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream s(line.substr(line.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && s >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Result {
  double rps = 0, cpu_us_per_request = 0;
};

Result load(int pid, int port, int unit, int connections, double seconds) {
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  const double cpu0 = cpu_s(pid);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&] {
      modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
      modbus_set_response_timeout(ctx, 1, 0);
      if (modbus_connect(ctx) != 0) return;
      modbus_set_slave(ctx, unit);
      std::uint16_t regs[12];
      while (!stop) {
        if (modbus_read_input_registers(ctx, 0, 12, regs) == 12) ++done;
      }
      modbus_close(ctx);
      modbus_free(ctx);
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& t : threads)
    t.join();
  const double cpu = cpu_s(pid) - cpu0;
  return Result{static_cast<double>(done) / seconds,
                done > 0 ? cpu / static_cast<double>(done) * 1e6 : 0};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  const std::string src = PLANT_SOURCE_DIR;
  const std::string site_file = src + "/config/colossus-100k.toml";
  site::LoadResult s = site::load_site_file(site_file);
  int pod_unit = 0;
  for (const auto& a : hal::regs::device_addresses(*s.site))
    if (a.name == "pod.0") pod_unit = a.unit_id;
  const int sim_port = test::free_port(), py_port = test::free_port(),
            select_port = test::free_port();
  test::Process sim({PLANTSIM_PATH, "--serve", "--config", site_file, "--host", "127.0.0.1",
                     "--port", std::to_string(sim_port), "--duration-s", "600"},
                    "/tmp/plant-bench-sim.log");
  test::Process py({"/usr/bin/python3", src + "/tests/integration/pymodbus_pod_gateway.py",
                    std::to_string(py_port)},
                   "/tmp/plant-bench-py.log");
  test::Process select_loop({SELECT_LOOP_SERVER_PATH, std::to_string(select_port)},
                            "/tmp/plant-bench-select.log");
  if (!test::wait_for_port(sim_port, 10) || !test::wait_for_port(py_port, 15) ||
      !test::wait_for_port(select_port, 10)) {
    std::fprintf(stderr, "servers did not start\n");
    return 1;
  }
  for (int connections : {1, 8}) {
    const Result a = load(sim.pid(), sim_port, pod_unit, connections, seconds);
    const Result b = load(py.pid(), py_port, 1, connections, seconds);
    const Result c = load(select_loop.pid(), select_port, 1, connections, seconds);
    std::printf("%d connection(s):\n", connections);
    std::printf("  plantsim     %7.0f req/s  %6.1f us CPU/req\n", a.rps, a.cpu_us_per_request);
    std::printf(
        "  pymodbus     %7.0f req/s  %6.1f us CPU/req  plantsim: %.2fx req/s, %.2f of its "
        "CPU/req\n",
        b.rps, b.cpu_us_per_request, b.rps > 0 ? a.rps / b.rps : 0.0,
        b.cpu_us_per_request > 0 ? a.cpu_us_per_request / b.cpu_us_per_request : 0.0);
    std::printf(
        "  select loop  %7.0f req/s  %6.1f us CPU/req  plantsim: %.2fx req/s, %.2f of its "
        "CPU/req\n",
        c.rps, c.cpu_us_per_request, c.rps > 0 ? a.rps / c.rps : 0.0,
        c.cpu_us_per_request > 0 ? a.cpu_us_per_request / c.cpu_us_per_request : 0.0);
  }
  return 0;
}
