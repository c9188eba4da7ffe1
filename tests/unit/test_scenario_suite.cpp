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
  CHECK(plant.kpis.curtailed_mwh < baseline.kpis.curtailed_mwh);
}
