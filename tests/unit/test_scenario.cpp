// Scenario files: every shipped scenario loads, events land at their times and
// do what they say, and a bad event is reported with its file, line and key.
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/plant.hpp"
#include "sim/run_monitor.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_player.hpp"

namespace {

const std::string kSite = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";

// Header lines 1-6; events start on line 7.
std::string scenario_with(const std::string& events, double duration_s = 600) {
  return "[scenario]\n"    // 1
         "name = \"t\"\n"  // 2
         "site = \"" +
         kSite +
         "\"\n"  // 3
         "duration_s = " +
         std::to_string(duration_s) +
         "\n"          // 4
         "seed = 3\n"  // 5
         "\n" +        // 6
         events;
}

const site::Diagnostic& only_error(const sim::ScenarioLoad& r) {
  REQUIRE(r.errors.size() == 1);
  return r.errors.front();
}

}  // namespace

TEST_CASE("every scenario file under scenarios/ loads without error", "[scenario]") {
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::string(PLANT_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    sim::ScenarioLoad r = sim::load_scenario_file(entry.path().string());
    INFO(entry.path().string());
    for (const auto& d : r.errors)
      INFO(d.str());
    CHECK(r.errors.empty());
    CHECK(r.scenario);
  }
  CHECK(files >= 1);
}

TEST_CASE("an unknown event type names the line, the key and the allowed types", "[scenario]") {
  auto r = sim::load_scenario_string(scenario_with("[[event]]\n"                  // 7
                                                   "at_s = 10\n"                  // 8
                                                   "type = \"grid_outtage\"\n"),  // 9
                                     "x.toml");
  const site::Diagnostic& d = only_error(r);
  CHECK(d.line == 9);
  CHECK(d.key == "event[0].type");
  CHECK_THAT(d.message, Catch::Contains("grid_outage"));
}

TEST_CASE("a turbine number outside the site is refused with the allowed range", "[scenario]") {
  auto r = sim::load_scenario_string(scenario_with("[[event]]\n"                // 7
                                                   "at_s = 10\n"                // 8
                                                   "type = \"turbine_trip\"\n"  // 9
                                                   "turbine = 15\n"),           // 10
                                     "x.toml");
  const site::Diagnostic& d = only_error(r);
  CHECK(d.line == 10);
  CHECK(d.key == "event[0].turbine");
  CHECK_THAT(d.message, Catch::Contains("14"));
}

TEST_CASE("an unknown measurement point, a missing key and a late event are all reported",
          "[scenario]") {
  auto r = sim::load_scenario_string(scenario_with("[[event]]\n"                      // 7
                                                   "at_s = 10\n"                      // 8
                                                   "type = \"measurement_freeze\"\n"  // 9
                                                   "point = \"poi.import_kw\"\n"      // 10
                                                   "[[event]]\n"                      // 11
                                                   "at_s = 20\n"                      // 12
                                                   "type = \"turbine_setpoint\"\n"    // 13
                                                   "turbine = 2\n"                    // 14
                                                   "[[event]]\n"                      // 15
                                                   "at_s = 601\n"                     // 16
                                                   "type = \"grid_return\"\n"),       // 17
                                     "x.toml");
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].line == 10);
  CHECK(r.errors[0].key == "event[0].point");
  CHECK(r.errors[1].key == "event[1].mw");
  CHECK(r.errors[1].line == 11);  // a missing key points at its table
  CHECK(r.errors[2].line == 16);
  CHECK(r.errors[2].key == "event[2].at_s");
}

TEST_CASE("events land in their step and act on the plant", "[scenario]") {
  auto r = sim::load_scenario_string(scenario_with("[[event]]\n"
                                                   "at_s = 2.5\n"
                                                   "type = \"grid_outage\"\n"
                                                   "[[event]]\n"
                                                   "at_s = 1.0\n"
                                                   "type = \"measurement_stuck\"\n"
                                                   "point = \"poi.import_mw\"\n"
                                                   "value = 42.0\n"
                                                   "[initial]\n"
                                                   "[[initial.turbines]]\n"
                                                   "first = 0\n"
                                                   "count = 15\n"
                                                   "setpoint_mw = 16.0\n",
                                                   3.0),
                                     "x.toml");
  REQUIRE(r.errors.empty());
  sim::Plant plant(*r.site, sim::PlantOptions{r.scenario->step_s, r.scenario->seed});
  sim::ScenarioPlayer player(plant, *r.scenario);
  player.initialise();
  double outage_seen_at = -1;
  const int import_point = plant.measurements().find_point("poi.import_mw");
  player.run([&](const sim::Plant& p) {
    if (outage_seen_at < 0 && p.state().islanded) outage_seen_at = p.time_s();
  });
  CHECK(outage_seen_at == Approx(2.51).margin(1e-9));  // applied before the step at 2.50 s
  REQUIRE(player.applied().size() == 2);
  CHECK(player.applied()[0].event->type == sim::EventType::kMeasurementStuck);  // sorted by time
  CHECK(plant.measure(import_point).value == 42.0);
  CHECK(plant.true_value(import_point) == 0.0);  // islanded: no import
  CHECK(plant.state().units_online == 15);
}

TEST_CASE("operator command events reach the plant's devices", "[scenario]") {
  auto r = sim::load_scenario_string(scenario_with("[[event]]\n"
                                                   "at_s = 1.0\n"
                                                   "type = \"turbine_start\"\n"
                                                   "turbine = 2\n"
                                                   "[[event]]\n"
                                                   "at_s = 1.0\n"
                                                   "type = \"pod_cap\"\n"
                                                   "pod = 3\n"
                                                   "mw = 0.6\n"
                                                   "[[event]]\n"
                                                   "at_s = 1.0\n"
                                                   "type = \"battery_setpoint\"\n"
                                                   "mw = -20\n"
                                                   "[[event]]\n"
                                                   "at_s = 2.0\n"
                                                   "type = \"breaker_open\"\n",
                                                   5.0),
                                     "x.toml");
  REQUIRE(r.errors.empty());
  sim::Plant plant(*r.site, sim::PlantOptions{r.scenario->step_s, r.scenario->seed});
  sim::ScenarioPlayer player(plant, *r.scenario);
  player.initialise();
  player.run([](const sim::Plant&) {});
  for (const sim::AppliedEvent& e : player.applied())
    CHECK(e.result == sim::CommandResult::kAccepted);
  CHECK(plant.turbine(2).state() == sim::TurbineState::kPurging);
  CHECK(plant.pods().cap_command_mw(3) == Approx(0.6));
  CHECK(plant.battery()->setpoint_mw() == Approx(-20));
  CHECK(plant.state().islanded);
  CHECK(plant.grid().last_trip() == sim::BreakerTrip::kCommanded);
}

// Issue 13: first + count was summed in int, so count = 2147483647 wrapped and
// passed the "do all these units exist" check.
TEST_CASE("initial turbines beyond the site are refused, however large the count",
          "[scenario][limits]") {
  for (const char* count : {"16", "2147483647"}) {
    INFO(count);
    auto r = sim::load_scenario_string(scenario_with(std::string("[initial]\n"             // 7
                                                                 "[[initial.turbines]]\n"  // 8
                                                                 "first = 1\n"             // 9
                                                                 "count = ") +
                                                     count + "\n" +  // 10
                                                     "setpoint_mw = 16.0\n"),
                                       "x.toml");
    const site::Diagnostic& d = only_error(r);
    CHECK(d.line == 10);
    CHECK_THAT(d.message, Catch::Contains("do not all exist; the site has units 0..14"));
    CHECK_THAT(d.message, Catch::Contains("units 1.." + std::to_string(std::stoll(count))));
  }
}

TEST_CASE("a run stopped before its first step breaks no frequency invariant; a dark one does",
          "[scenario][monitor]") {
  auto r = sim::load_scenario_string(scenario_with(""), "x.toml");
  REQUIRE(r.scenario);
  sim::Plant plant(*r.site, sim::PlantOptions{r.scenario->step_s, 1});
  const sim::RunMonitor monitor(plant, *r.scenario);
  sim::RunReport report;
  monitor.finish(plant, report);  // no step observed (plantsim stopped at once)
  CHECK(report.all_pass());
  // Observed while energised, a nadir below the limit still fails.
  sim::RunMonitor watching(plant, *r.scenario);
  plant.frequency_excursion(58.0, 30, 100);  // 2 Hz at 100 Hz/s
  for (int i = 0; i < 200; ++i) {
    plant.step();
    watching.observe(plant, 0);
  }
  sim::RunReport dipped;
  watching.finish(plant, dipped);
  CHECK_FALSE(dipped.all_pass());
}
