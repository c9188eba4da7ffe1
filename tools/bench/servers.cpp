// plantsim's Modbus TCP server against a python3-pymodbus server and a minimal
// select-loop libmodbus server, under the same client load, in one run: requests
// per second, and server CPU time per request from /proc/PID/stat.
//
// Each server is a real process on 127.0.0.1; the load is libmodbus clients on 1
// and on 8 connections, each reading one pod gateway's input table (12 registers)
// in a loop.
#include <modbus/modbus.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench.hpp"
#include "hal/device_addresses.hpp"
#include "process.hpp"
#include "site/load.hpp"

namespace bench {

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

struct Load {
  double rps = 0, cpu_us_per_request = 0;
};

Load load(int pid, int port, int unit, int connections, double seconds) {
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  const double cpu0 = cpu_s(pid);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&] {
      modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
      modbus_set_response_timeout(ctx, 1, 0);
      if (modbus_connect(ctx) == 0) {
        modbus_set_slave(ctx, unit);
        std::uint16_t regs[12];
        while (!stop)
          if (modbus_read_input_registers(ctx, 0, 12, regs) == 12) ++done;
        modbus_close(ctx);
      }
      modbus_free(ctx);
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& t : threads)
    t.join();
  const double cpu = cpu_s(pid) - cpu0;
  if (done == 0) throw std::runtime_error("a server answered no request");
  return Load{static_cast<double>(done) / seconds, cpu / static_cast<double>(done) * 1e6};
}

}  // namespace

Figures servers(const Options& o) {
  const double seconds = o.quick ? 1 : 5;
  const std::string site_file = o.source_dir + "/config/colossus-100k.toml";
  site::LoadResult s = site::load_site_file(site_file);
  if (!s.site) throw std::runtime_error("cannot load " + site_file);
  int pod_unit = 0;
  for (const auto& a : hal::regs::device_addresses(*s.site))
    if (a.name == "pod.0") pod_unit = a.unit_id;
  const int sim_port = proc::free_port(), py_port = proc::free_port(),
            select_port = proc::free_port();
  proc::Process sim({o.plantsim_path, "--serve", "--config", site_file, "--host", "127.0.0.1",
                     "--port", std::to_string(sim_port), "--duration-s", "600"},
                    "/tmp/plant-bench-plantsim.log");
  proc::Process py({o.python, o.source_dir + "/tests/integration/pymodbus_pod_gateway.py",
                    std::to_string(py_port)},
                   "/tmp/plant-bench-pymodbus.log");
  proc::Process select_loop({o.select_server_path, std::to_string(select_port)},
                            "/tmp/plant-bench-select.log");
  if (!proc::wait_for_port(sim_port, 10) || !proc::wait_for_port(py_port, 15) ||
      !proc::wait_for_port(select_port, 10))
    throw std::runtime_error("a server did not start (logs in /tmp/plant-bench-*.log)");
  Figures f;
  for (int connections : {1, 8}) {
    const Load a = load(sim.pid(), sim_port, pod_unit, connections, seconds);
    const Load b = load(py.pid(), py_port, 1, connections, seconds);
    const Load c = load(select_loop.pid(), select_port, 1, connections, seconds);
    const std::string on =
        ", " + std::to_string(connections) + " connection" + (connections > 1 ? "s" : "");
    f.push_back({"modbus servers", "plantsim requests answered" + on, a.rps, "req/s", a.rps / b.rps,
                 "of pymodbus's"});
    f.push_back({"modbus servers", "plantsim CPU time per request" + on, a.cpu_us_per_request, "us",
                 a.cpu_us_per_request / b.cpu_us_per_request, "of pymodbus's"});
    f.push_back({"modbus servers", "pymodbus requests answered" + on, b.rps, "req/s"});
    f.push_back(
        {"modbus servers", "pymodbus CPU time per request" + on, b.cpu_us_per_request, "us"});
    f.push_back({"modbus servers", "select-loop libmodbus requests answered" + on, c.rps, "req/s",
                 a.rps / c.rps, "plantsim's / this"});
    f.push_back({"modbus servers", "select-loop libmodbus CPU time per request" + on,
                 c.cpu_us_per_request, "us", a.cpu_us_per_request / c.cpu_us_per_request,
                 "plantsim's / this"});
  }
  return f;
}

}  // namespace bench
