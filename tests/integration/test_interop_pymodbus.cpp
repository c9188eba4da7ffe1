// A python3-pymodbus server standing in for one pod gateway while plantsim serves
// the rest of the site: plantd's Modbus backend polls and commands it correctly.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "process.hpp"

namespace {}  // namespace

TEST_CASE("plantd polls and commands a pod gateway served by python3-pymodbus",
          "[integration][interop][pymodbus]") {
  const int sim_port = proc::free_port();
  const int py_port = proc::free_port();
  // The 100k preset, with pod.3 served elsewhere: by the pymodbus server.
  const std::string site_file = "/tmp/plant-interop-site-" + std::to_string(py_port) + ".toml";
  {
    std::ofstream out(site_file);
    out << proc::read_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml")
        << "\n[[modbus.device]]\nname = \"pod.3\"\nhost = \"127.0.0.1\"\nport = " << py_port
        << "\nunit_id = 1\n";
  }
  proc::Process py({"/usr/bin/python3",
                    std::string(PLANT_SOURCE_DIR) + "/tests/integration/pymodbus_pod_gateway.py",
                    std::to_string(py_port)},
                   "/tmp/plant-interop-py-" + std::to_string(py_port) + ".log");
  proc::Process sim({PLANTSIM_PATH, "--serve", "--config", site_file, "--host", "127.0.0.1",
                     "--port", std::to_string(sim_port), "--duration-s", "30"},
                    "/tmp/plant-interop-sim-" + std::to_string(sim_port) + ".log");
  REQUIRE(proc::wait_for_port(py_port, 15));
  REQUIRE(proc::wait_for_port(sim_port, 10));
  proc::Process plantd({PLANTD_PATH, "--config", site_file, "--host", "127.0.0.1", "--port",
                        std::to_string(sim_port), "--duration-s", "6"},
                       "/tmp/plant-interop-plantd-" + std::to_string(sim_port) + ".log");
  CHECK(plantd.stop(0, 30) == 0);  // ends by itself after 6 s
  const std::string py_log = py.log();
  const std::string plantd_log = plantd.log();
  INFO("pymodbus:\n" << py_log << "\nplantd:\n" << plantd_log.substr(0, 4000));
  CHECK(py_log.find("read input") != std::string::npos);
  CHECK(py_log.find("read holding") != std::string::npos);
  // The controller's heartbeat (holding 0) and the pod's cap at compute power (holding 2-3:
  // 1,050 kW = 0x0000041A, high word first).
  CHECK(py_log.find("write 0 [") != std::string::npos);
  CHECK(py_log.find("write 2 [0, 1050]") != std::string::npos);
  CHECK(plantd_log.find("pod.3: no answer") == std::string::npos);
  CHECK(plantd_log.find("port " + std::to_string(py_port)) == std::string::npos);
  py.stop(SIGTERM, 5);
  sim.stop(SIGTERM, 5);
}
