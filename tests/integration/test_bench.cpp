// `plantctl bench --quick`: every measurement runs and lands in the JSON, and a
// steady-state controller step allocates nothing. Speeds are reported, never
// asserted (this machine is shared): only what must hold on any machine is.
#include <catch2/catch.hpp>

#include <string>

#include "process.hpp"

TEST_CASE("plantctl bench --quick measures every group, and the controller allocates nothing",
          "[integration][bench]") {
  const std::string json = "/tmp/plant-bench-quick-" + std::to_string(proc::free_port()) + ".json";
  int status = -1;
  const std::string out = proc::run_command(
      std::string(PLANTCTL_PATH) + " bench --quick --json " + json + " 2>&1", &status);
  INFO(out);
  REQUIRE(status == 0);
  const std::string figures = proc::read_file(json);
  for (const char* group : {"simulator", "controller", "modbus poll", "modbus servers",
                            "contingency", "scenario suite"})
    CHECK(figures.find(std::string("\"group\": \"") + group + "\"") != std::string::npos);
  // Three sizes each for the simulator, the controller and the poll cycle.
  CHECK(proc::occurrences(figures, "real-time factor") == 3);
  CHECK(proc::occurrences(figures, "poll cycle p99") == 3);
  // The controller's steady-state steps: 0 heap allocations at every size.
  CHECK(proc::occurrences(figures, "heap allocations per steady-state step") == 3);
  CHECK(proc::occurrences(figures, "per steady-state step, 100 pods, 15 units\", \"value\": 0,") ==
        1);
  CHECK(proc::occurrences(figures, "\"value\": 0, \"unit\": \"per step\"") == 3);
  CHECK(figures.find("\"value\": null") == std::string::npos);
}
