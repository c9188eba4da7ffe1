// plantsim and plantd as separate processes on 127.0.0.1: the controller keeps a
// scenario's invariants over Modbus TCP as it does in process.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

#include "process.hpp"

namespace {

void run_over_modbus(const std::string& scenario, double duration_s) {
  const int port = test::free_port();
  const std::string json = "/tmp/plant-e2e-" + std::to_string(port) + ".json";
  const std::string file =
      std::string(PLANT_SOURCE_DIR) + "/tests/integration/scenarios/" + scenario;
  test::Process sim({PLANTSIM_PATH, "--serve", "--wait-for-client", "--scenario", file, "--host",
                     "127.0.0.1", "--port", std::to_string(port), "--json", json},
                    "/tmp/plant-e2e-plantsim-" + std::to_string(port) + ".log");
  REQUIRE(test::wait_for_port(port, 10));
  test::Process plantd(
      {PLANTD_PATH, "--config", std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml",
       "--host", "127.0.0.1", "--port", std::to_string(port), "--duration-s",
       std::to_string(duration_s + 2)},
      "/tmp/plant-e2e-plantd-" + std::to_string(port) + ".log");
  // plantsim ends the run itself at the scenario's end, and judges it.
  const int sim_status = sim.stop(0, duration_s + 30);  // signal 0: just wait
  plantd.stop(SIGTERM, 10);
  INFO("plantsim:\n"
       << sim.log() << "\nplantd (tail):\n"
       << plantd.log().substr(plantd.log().size() > 3000 ? plantd.log().size() - 3000 : 0));
  CHECK(sim_status == 0);
  const std::string report = test::read_file(json);
  CHECK(report.find("\"all_pass\": true") != std::string::npos);
}

}  // namespace

TEST_CASE("over Modbus: a turbine trip while islanded keeps the nadir above 59.5 Hz",
          "[integration][e2e]") {
  run_over_modbus("islanded-trip-40s.toml", 40);
}

TEST_CASE("over Modbus: a grid outage is carried with every invariant kept", "[integration][e2e]") {
  run_over_modbus("grid-outage-40s.toml", 40);
}
