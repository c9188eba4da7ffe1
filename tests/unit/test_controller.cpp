// The controller in closed loop with the simulator: adoption, contingency
// shedding in the same scan, priorities and floors, fail-safe, no allocation.
#include <catch2/catch.hpp>

#include <cmath>

#include "alloc_counter.hpp"
#include "closed_loop.hpp"
#include "test_sites.hpp"

namespace {

site::Site preset_100k() {
  site::LoadResult r = site::load_site_file(test::preset_path("colossus-100k.toml"));
  REQUIRE(r.site);
  return *r.site;
}

double held_back_mw(const test::ClosedLoop& loop) {
  double mw = 0;
  for (int p = 0; p < loop.plant.pods().size(); ++p)
    mw += loop.plant.pods().compute_mw(p) - loop.commands.pods[static_cast<size_t>(p)].cap_mw;
  return mw;
}

}  // namespace

TEST_CASE("Init adopts the plant as found: running units run on, caps keep their values",
          "[controller]") {
  site::Site s = preset_100k();
  test::ClosedLoop loop(s);
  for (int u = 0; u < 3; ++u)
    loop.plant.set_turbine_online(u, 12.0);
  loop.plant.pod_cap(95, 0.6);  // a batch pod capped by whoever ran before
  loop.plant.run_for(1);
  loop.scan();
  for (int u = 0; u < 3; ++u) {
    CHECK(loop.controller.unit(u).state() == fw::UnitState::kOnline);
    CHECK(loop.commands.turbines[static_cast<size_t>(u)].command == hal::TurbineCommand::kNone);
    CHECK(loop.commands.turbines[static_cast<size_t>(u)].setpoint_mw == Approx(12.0));
  }
  CHECK(loop.commands.pods[95].cap_mw == Approx(0.6));
  loop.scan();  // the supervisor sees the running units from the adopted state
  CHECK(loop.controller.status().mode == fw::Mode::kTurbineAssist);
}

TEST_CASE(
    "a unit trip while islanded is answered in the scan that sees it, with the amount "
    "kept ready",
    "[controller][contingency]") {
  site::Site s = preset_100k();
  s.battery.initial_soc_pu = s.battery.soc_min_pu;  // no help from the battery
  test::ClosedLoop loop(s);
  for (int u = 0; u < 9; ++u)
    loop.plant.set_turbine_online(u, 14.0);
  loop.plant.grid_outage();
  loop.run_for(60);
  REQUIRE(loop.controller.status().mode == fw::Mode::kIslanded);
  const double before = held_back_mw(loop);
  const double ready = loop.controller.contingency_shed_mw()[1 + 4];
  REQUIRE(ready > 1.0);
  loop.plant.turbine_trip(4);
  loop.plant.step();
  loop.scan();  // the first scan to see the trip
  CHECK(loop.controller.status().mode == fw::Mode::kEmergencyShed);
  // At least the amount kept ready; more only as far as this scan's load (a swing's
  // peak) exceeds the eight units left, with the battery empty (the island plan).
  const double shed_now = held_back_mw(loop) - before;
  const double eight_units_mw = 8 * s.turbine_groups[0].rating_mw;
  const double plan_mw = (loop.controller.status().site_load_mw - eight_units_mw) /
                         (1 + s.facility.conversion_loss_pu);
  CHECK(shed_now >= ready * 0.95);
  CHECK(shed_now <= std::max(ready, plan_mw) * 1.05);
}

TEST_CASE(
    "shedding takes batch pods first, then training, never inference before them, and "
    "never below a pod's minimum cap",
    "[controller][shedding]") {
  site::Site s = preset_100k();
  s.battery.initial_soc_pu = s.battery.soc_min_pu;
  test::ClosedLoop loop(s);
  for (int u = 0; u < 9; ++u)
    loop.plant.set_turbine_online(u, 14.0);
  loop.plant.grid_outage();
  loop.run_for(30);
  loop.plant.turbine_trip(0);
  loop.plant.turbine_trip(1);  // beyond a credible contingency: a deep shed
  loop.run_for(5);
  const sim::PodFleet& pods = loop.plant.pods();
  double batch = 0, inference = 0;
  for (int p = 0; p < pods.size(); ++p) {
    const double cap = loop.commands.pods[static_cast<size_t>(p)].cap_mw;
    REQUIRE(cap >= pods.min_cap_mw(p) - 1e-9);
    const double held = pods.compute_mw(p) - cap;
    if (pods.priority(p) == site::PriorityClass::kBatch) batch += held;
    if (pods.priority(p) == site::PriorityClass::kInference) inference += held;
  }
  REQUIRE(batch > 0);
  // Inference is touched only once every batch pod is at its minimum cap.
  if (inference > 1e-6)
    for (int p = 0; p < pods.size(); ++p)
      if (pods.priority(p) == site::PriorityClass::kBatch)
        CHECK(loop.commands.pods[static_cast<size_t>(p)].cap_mw == Approx(pods.min_cap_mw(p)));
}

TEST_CASE(
    "losing the POI meter and breaker signals puts the controller in fail-safe, and it "
    "comes back when they return",
    "[controller][failsafe]") {
  test::ClosedLoop loop(preset_100k());
  loop.run_for(5);
  REQUIRE(loop.controller.status().mode == fw::Mode::kGridParallel);
  loop.plant.device_silent(loop.plant.measurements().poi_device(), 10);
  loop.run_for(2);
  CHECK(loop.controller.status().mode == fw::Mode::kFailSafe);
  loop.run_for(20);
  CHECK(loop.controller.status().mode == fw::Mode::kGridParallel);
}

TEST_CASE("a frozen import meter is caught by the power balance", "[controller][meter]") {
  test::ClosedLoop loop(preset_100k());
  loop.run_for(30);
  const int point = loop.plant.measurements().find_point("poi.import_mw");
  loop.plant.freeze_point(point, 0);
  loop.plant.load_surge(20, 0);
  loop.run_for(15);
  CHECK(loop.controller.status().import_meter_suspect);
  CHECK(loop.controller.status().import_mw ==
        Approx(loop.plant.state().import_mw).margin(loop.site.controller.meter_tolerance_mw));
}

TEST_CASE("steady-state scans allocate no heap memory", "[controller][alloc]") {
  for (const char* preset : {"colossus-100k.toml", "colossus-1m.toml"}) {
    site::LoadResult r = site::load_site_file(test::preset_path(preset));
    REQUIRE(r.site);
    const site::Site& s = *r.site;
    sim::Plant plant(s, sim::PlantOptions{0.01, 5});
    hal::SimIo io(plant);
    hal::ProcessImage image(s);
    hal::Commands commands(s);
    fw::Controller controller(s, fw::PermitUsage{});
    for (int i = 0; i < 50; ++i) {  // warm up: adoption, first notes
      plant.run_for(0.1);
      io.read(image, plant.time_s());
      controller.step(image, fw::OperatorInputs{}, plant.time_s(), commands);
      controller.log().clear();
    }
    // Only the controller's step is counted: the simulator and backend are not the controller.
    long in_step = 0;
    for (int i = 0; i < 1000; ++i) {
      plant.run_for(0.1);
      io.read(image, plant.time_s());
      const long before = alloc_counter::allocations();
      controller.step(image, fw::OperatorInputs{}, plant.time_s(), commands);
      in_step += alloc_counter::allocations() - before;
      io.write(commands, plant.time_s());
      controller.log().clear();
      io.clear_refusals();
    }
    INFO(preset);
    CHECK(in_step == 0);
  }
}

TEST_CASE("the controller's step is deterministic", "[controller]") {
  auto run = [] {
    test::ClosedLoop loop(preset_100k(), 17);
    loop.plant.load_surge(40, 0);
    loop.run_for(600);
    return loop.plant.state().import_mw + 1e3 * loop.controller.status().shed_mw +
           1e6 * loop.controller.status().battery_target_mw;
  };
  CHECK(run() == run());
}

namespace {

// Every command this scan that would change the plant: starts, stops, resets, the
// breaker, a cap or a turbine setpoint.
int plant_commands(const test::ClosedLoop& loop) {
  int n = loop.commands.breaker != hal::BreakerCommand::kNone ? 1 : 0;
  for (const hal::TurbineOutputs& t : loop.commands.turbines)
    n += (t.command != hal::TurbineCommand::kNone ? 1 : 0) + (t.setpoint_mw > 0 ? 1 : 0);
  for (const hal::PodOutputs& p : loop.commands.pods)
    n += p.cap_mw > 0 ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE(
    "with the POI meter silent at start-up the controller adopts no mode and commands "
    "nothing; it goes fail-safe as before and adopts the plant when the meter answers",
    "[controller][adopt]") {
  site::Site s = preset_100k();
  test::ClosedLoop loop(s);
  for (int u = 0; u < 3; ++u)
    loop.plant.set_turbine_online(u, 12.0);
  loop.plant.device_silent(loop.plant.measurements().poi_device(), 4);
  loop.plant.run_for(0.5);
  REQUIRE_FALSE(loop.plant.state().islanded);  // the truth: grid-connected
  int commanded = 0;
  for (int scan = 0; scan < 30; ++scan) {  // 3 s of the meter silent
    loop.scan();
    commanded += plant_commands(loop);
    CHECK(loop.controller.status().mode != fw::Mode::kIslanded);
  }
  CHECK(commanded == 0);
  CHECK(loop.controller.status().mode == fw::Mode::kFailSafe);  // after critical_lost_s
  for (int u = 0; u < s.turbine_count(); ++u) {
    CHECK(loop.controller.starts_used(u) == 0);
    CHECK(loop.controller.stops_used(u) == 0);
  }
  loop.run_for(8);  // the meter answers at 4.5 s; 5 s good, and the plant is adopted
  CHECK(loop.controller.status().mode == fw::Mode::kTurbineAssist);
  for (int u = 0; u < 3; ++u)
    CHECK(loop.controller.unit(u).state() == fw::UnitState::kOnline);
  for (int u = 0; u < s.turbine_count(); ++u)
    CHECK(loop.controller.starts_used(u) == 0);
}

TEST_CASE(
    "a turbine silent at start-up holds adoption for adopt_wait_s; then it is adopted "
    "locked out and the others as found",
    "[controller][adopt]") {
  site::Site s = preset_100k();
  s.controller.adopt_wait_s = 2;
  test::ClosedLoop loop(s);
  for (int u = 0; u < 3; ++u)
    loop.plant.set_turbine_online(u, 12.0);
  loop.plant.device_silent(loop.plant.measurements().turbine_device(1), 60);
  loop.plant.run_for(0.5);
  int commanded = 0;
  for (int scan = 0; scan < 15; ++scan) {
    loop.scan();
    commanded += plant_commands(loop);
  }
  CHECK(commanded == 0);
  CHECK(loop.controller.status().mode == fw::Mode::kInit);  // the POI is good: no fail-safe
  loop.run_for(1);
  CHECK(loop.controller.status().mode != fw::Mode::kInit);
  CHECK(loop.controller.unit(0).state() == fw::UnitState::kOnline);
  CHECK(loop.controller.unit(1).state() == fw::UnitState::kLockout);
  CHECK(loop.controller.unit(2).state() == fw::UnitState::kOnline);
}

TEST_CASE("the controller's NOx account follows the units' own counters through starts",
          "[controller][permit]") {
  // Islanded by an outage: units start (diffusion-flame start-up, part load) and
  // load up. The controller counts NOx from the same fuel curve and combustor
  // modes (site/turbine_fuel.hpp) on what it reads; the plant counts it exactly.
  test::ClosedLoop loop(preset_100k());
  loop.run_for(10);
  loop.plant.grid_outage();
  loop.run_for(1800);
  double plant_nox_kg = 0;
  int starts = 0;
  for (int u = 0; u < loop.plant.turbine_count(); ++u) {
    plant_nox_kg += loop.plant.turbine(u).counters().nox_kg;
    starts += loop.plant.turbine(u).counters().starts;
  }
  REQUIRE(starts >= 3);
  REQUIRE(plant_nox_kg > 0);
  CHECK(loop.controller.status().nox_kg == Approx(plant_nox_kg).epsilon(0.03));
}

TEST_CASE("a unit found starting past its purge has its NOx counted from adoption",
          "[controller][permit]") {
  // The unit fired before the controller's first scan: where in its sequence it
  // is, the controller cannot know, so it counts fuel at once rather than wait out
  // a purge that has already passed (and undercount the permit).
  test::ClosedLoop loop(preset_100k());
  REQUIRE(loop.plant.turbine_start(0) == sim::CommandResult::kAccepted);
  loop.plant.run_for(100);  // purge (60 s) done, igniting and accelerating
  REQUIRE(loop.plant.turbine(0).fuel_mmbtu_per_h() > 0);
  const double before_kg = loop.plant.turbine(0).counters().nox_kg;
  loop.run_for(120);  // still starting: 300 s to online
  REQUIRE(loop.controller.unit(0).state() == fw::UnitState::kStarting);
  const double emitted_kg = loop.plant.turbine(0).counters().nox_kg - before_kg;
  REQUIRE(emitted_kg > 0);
  CHECK(loop.controller.status().nox_kg == Approx(emitted_kg).epsilon(0.02));
}
