// Every scenario under scenarios/ keeps its invariants with this controller; and
// the islanded turbine trip shows what a frequency-only scheme cannot do.
#include <catch2/catch.hpp>

#include <string>

#include "scenario_run.hpp"
#include "sim/scenario.hpp"

namespace {

scenario::RunResult run(const std::string& file,
                        std::optional<site::ControllerKind> kind = std::nullopt) {
  const std::string path = std::string(PLANT_SOURCE_DIR) + "/scenarios/" + file;
  sim::ScenarioLoad loaded = sim::load_scenario_file(path);
  for (const auto& d : loaded.errors)
    INFO(d.str());
  REQUIRE(loaded.errors.empty());
  scenario::RunOptions options;
  options.controller = kind;
  return scenario::run_scenario(*loaded.scenario, *loaded.site, options);
}

void require_invariants(const std::string& file) {
  const scenario::RunResult r = run(file);
  for (const scenario::Invariant& i : r.invariants) {
    INFO(file << ": " << i.name << ": " << i.detail);
    CHECK(i.pass);
  }
}

}  // namespace

TEST_CASE("scenario normal-day keeps its invariants", "[scenario-run]") {
  require_invariants("normal-day.toml");
}
TEST_CASE("scenario grid-outage keeps its invariants", "[scenario-run]") {
  require_invariants("grid-outage.toml");
}
TEST_CASE("scenario islanded-turbine-trip keeps its invariants", "[scenario-run]") {
  require_invariants("islanded-turbine-trip.toml");
}
TEST_CASE("scenario fail-to-start keeps its invariants", "[scenario-run]") {
  require_invariants("fail-to-start.toml");
}
TEST_CASE("scenario frozen-grid-meter keeps its invariants", "[scenario-run]") {
  require_invariants("frozen-grid-meter.toml");
}
TEST_CASE("scenario lost-pod-gateway keeps its invariants", "[scenario-run]") {
  require_invariants("lost-pod-gateway.toml");
}
TEST_CASE("scenario permit-nearly-spent keeps its invariants", "[scenario-run]") {
  require_invariants("permit-nearly-spent.toml");
}
TEST_CASE("scenario day-1m keeps its invariants", "[scenario-run]") {
  require_invariants("day-1m.toml");
}

TEST_CASE("the demo day still runs: its events are commands the controller overrides",
          "[scenario-run]") {
  // The demo was written for the simulator alone; with the controller it must
  // keep the site up (no blackout) even through the evening grid loss.
  const scenario::RunResult r = run("demo-day.toml");
  CHECK(r.kpis.blackout_s == 0);
}

TEST_CASE(
    "islanded turbine trip: the frequency-only baseline breaks the nadir this controller "
    "keeps",
    "[scenario-run][baseline]") {
  const scenario::RunResult plant = run("islanded-turbine-trip.toml");
  const scenario::RunResult baseline =
      run("islanded-turbine-trip.toml", site::ControllerKind::kBaseline);
  CHECK(plant.kpis.freq_nadir_hz >= 59.5);
  CHECK(baseline.kpis.freq_nadir_hz < 59.5);
  // Energy the GPUs did not get: held back by caps, or lost with the bus. The
  // baseline's late, deep shed overshoots past the units' over-frequency relays
  // (61.8 Hz) and the island goes dark; it curtails little because it serves nothing.
  CHECK(plant.kpis.curtailed_mwh + plant.kpis.unserved_mwh <
        baseline.kpis.curtailed_mwh + baseline.kpis.unserved_mwh);
}

TEST_CASE(
    "an operator in manual control stops automatic dispatch; back in auto the controller "
    "adopts the plant and dispatches again",
    "[scenario-run][manual]") {
  const std::string site = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";
  // A lasting 60 MW rise at 10 min with the battery near its reserve needs units.
  const std::string text = "[scenario]\nname = \"manual\"\nsite = \"" + site +
                           "\"\nduration_s = 3600\n[initial]\nbattery_soc_pu = 0.42\n"
                           "[[event]]\nat_s = 60\ntype = \"operator_manual\"\n"
                           "[[event]]\nat_s = 600\ntype = \"load_surge\"\nmw = 60\n"
                           "[[event]]\nat_s = 1800\ntype = \"operator_auto\"\n";
  sim::ScenarioLoad loaded = sim::load_scenario_string(text, "manual.toml");
  REQUIRE(loaded.errors.empty());
  const scenario::RunResult r = scenario::run_scenario(*loaded.scenario, *loaded.site, {});
  double first_start_s = -1, manual_s = -1, auto_s = -1;
  for (const std::string& line : r.log) {
    const double t = std::stod(line.substr(line.find("t=") + 2));
    if (line.find("-> Manual") != std::string::npos && manual_s < 0) manual_s = t;
    if (line.find("Manual -> ") != std::string::npos && auto_s < 0) auto_s = t;
    if (line.find("StartCmd") != std::string::npos && first_start_s < 0) first_start_s = t;
  }
  CHECK(manual_s == Approx(60.01).margin(0.2));
  CHECK(auto_s == Approx(1800.01).margin(0.2));
  CHECK(first_start_s > auto_s);  // no unit started while the operator had control
}

TEST_CASE("scenario week-daily-surge keeps its invariants", "[scenario-run]") {
  require_invariants("week-daily-surge.toml");
}
