// Under-frequency stages while grid-connected: the campus sheds its stages as the
// utility's load-shedding program counts on, or rides through when told to.
#include <catch2/catch.hpp>

#include <string>

#include "scenario_run.hpp"
#include "sim/scenario.hpp"

namespace {

// The grid sags to 59.0 Hz for 10 s (a large generation loss elsewhere): below
// ERCOT's 59.3 and 59.1 Hz stages, above the third at 58.9 Hz.
const char* kGridSag = R"([scenario]
name = "grid-side under-frequency"
site = "SITE"
duration_s = 120
seed = 4

[[event]]
at_s = 30
type = "frequency_excursion"
hz = 59.0
duration_s = 10
rocof_hz_per_s = 0.5
)";

scenario::RunResult run_sag(site::UflsWhenConnected rule) {
  std::string text = kGridSag;
  text.replace(text.find("SITE"), 4, std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  sim::ScenarioLoad loaded = sim::load_scenario_string(text, "sag.toml");
  for (const auto& d : loaded.errors)
    INFO(d.str());
  REQUIRE(loaded.errors.empty());
  loaded.site->controller.ufls_when_connected = rule;
  return scenario::run_scenario(*loaded.scenario, *loaded.site, scenario::RunOptions{});
}

int stages_acted(const scenario::RunResult& r) {
  int n = 0;
  for (const std::string& line : r.log)
    n += line.find("under-frequency stage at") != std::string::npos ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("grid-connected, a sag to 59.0 Hz sheds the two stages above it, or none riding through",
          "[controller][ufls]") {
  const scenario::RunResult shed = run_sag(site::UflsWhenConnected::kShed);
  CHECK(stages_acted(shed) == 2);  // 59.3 and 59.1 Hz, not 58.9
  CHECK(shed.kpis.curtailed_mwh > 0);
  const scenario::RunResult ride = run_sag(site::UflsWhenConnected::kRideThrough);
  CHECK(stages_acted(ride) == 0);
  CHECK(ride.kpis.curtailed_mwh < shed.kpis.curtailed_mwh);
}
