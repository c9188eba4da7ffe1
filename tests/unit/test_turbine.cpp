// Gas turbine behaviour against its configuration: start sequence, ramp limits,
// minimum stable load, fail-to-start, trip, fuel and emissions.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "sim/plant.hpp"
#include "sim/rng.hpp"
#include "sim/turbine.hpp"
#include "test_sites.hpp"

namespace {

site::TurbineGroup unit_params() {
  site::TurbineGroup g;
  g.name = "gt";
  g.rating_mw = 16.5;
  g.min_stable_load_pu = 0.5;
  g.ramp_rate_pu_per_min = 0.2;
  g.purge_s = 60;
  g.ignition_s = 15;
  g.acceleration_s = 165;
  g.synchronisation_s = 60;
  g.cooldown_s = 600;
  return g;
}

constexpr double kDt = 0.01;

// Steps a lone unit on a stiff 60 Hz grid and returns when each state was entered.
std::map<sim::TurbineState, double> run_start(sim::Turbine& t, double seconds) {
  std::map<sim::TurbineState, double> entered;
  entered[t.state()] = 0;
  for (int i = 1; i <= static_cast<int>(seconds / kDt); ++i) {
    t.step(kDt, 1.0, 0.0, 60.0);
    if (!entered.count(t.state())) entered[t.state()] = i * kDt;
  }
  return entered;
}

}  // namespace

TEST_CASE("start sequence phases last as configured", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  REQUIRE(t.start(false) == sim::CommandResult::kAccepted);
  auto at = run_start(t, 600);
  using S = sim::TurbineState;
  CHECK(at[S::kIgniting] == Approx(60).margin(kDt));
  CHECK(at[S::kAccelerating] == Approx(75).margin(kDt));
  CHECK(at[S::kSynchronising] == Approx(240).margin(kDt));
  CHECK(at[S::kLoading] == Approx(300).margin(kDt));
  // Loading from zero to minimum stable load (0.5 pu) at 0.2 pu/min takes 150 s,
  // plus the governor's two 0.5 s lags for the output to follow the reference.
  CHECK(at[S::kOnline] == Approx(300 + 150 + 1.0).margin(0.5));
  CHECK(t.state() == S::kOnline);
  CHECK(t.counters().starts == 1);
}

TEST_CASE("a start is refused unless the unit is off", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(10);
  CHECK(t.start(false) == sim::CommandResult::kNotPermitted);
  CHECK(t.counters().starts == 0);
}

TEST_CASE("setpoints outside [minimum stable load, rating] are refused and change nothing",
          "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(10);
  CHECK(t.set_setpoint_mw(8.0) == sim::CommandResult::kOutOfRange);  // MSL is 8.25 MW
  CHECK(t.set_setpoint_mw(16.6) == sim::CommandResult::kOutOfRange);
  CHECK(t.set_setpoint_mw(std::nan("")) == sim::CommandResult::kOutOfRange);
  CHECK(t.setpoint_mw() == Approx(10));
  CHECK(t.set_setpoint_mw(8.25) == sim::CommandResult::kAccepted);
}

TEST_CASE("setpoint changes follow the ramp limit", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(8.25);
  REQUIRE(t.set_setpoint_mw(16.5) == sim::CommandResult::kAccepted);
  const double max_mw_per_s = 0.2 * 16.5 / 60.0;
  double previous_ref = t.reference_mw(), previous_pm = t.mechanical_mw();
  double reached_s = -1;
  for (int i = 1; i <= 20000; ++i) {
    t.step(kDt, 1.0, 0.0, 60.0);
    REQUIRE(t.reference_mw() - previous_ref <= max_mw_per_s * kDt * (1 + 1e-9));
    REQUIRE(t.mechanical_mw() - previous_pm <= max_mw_per_s * kDt * (1 + 1e-9));
    previous_ref = t.reference_mw();
    previous_pm = t.mechanical_mw();
    if (reached_s < 0 && t.reference_mw() >= 16.5 - 1e-9) reached_s = i * kDt;
  }
  // 8.25 MW at 3.3 MW/min is 150 s.
  CHECK(reached_s == Approx(150).margin(kDt));
  CHECK(t.mechanical_mw() == Approx(16.5).epsilon(1e-6));
}

// Droop may take an online unit below minimum stable load, down to no load (GGOV1's
// governor range); the set-point may not. Neither may take it past its rating.
TEST_CASE(
    "an online unit stays between no load and its rating, and online, as the grid "
    "frequency swings",
    "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(8.25);
  sim::Rng rng(3);
  double speed = 1.0;
  for (int i = 0; i < 360000; ++i) {  // an hour
    if (i % 1000 == 0) {
      speed = rng.uniform(0.98, 1.02);  // 58.8 to 61.2 Hz, held 10 s
      (void)t.set_setpoint_mw(rng.uniform(8.25, 16.5));
    }
    t.step(kDt, speed, 0.0, speed * 60);
    REQUIRE(t.state() == sim::TurbineState::kOnline);
    REQUIRE(t.mechanical_mw() >= 0);
    REQUIRE(t.mechanical_mw() <= 16.5 * (1 + 1e-9));
  }
}

TEST_CASE("fail-to-start trips after ignition and needs a reset", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  REQUIRE(t.start(true) == sim::CommandResult::kAccepted);
  auto at = run_start(t, 100);
  CHECK(at[sim::TurbineState::kTripped] == Approx(75).margin(kDt));
  CHECK(t.trip_cause() == sim::TripCause::kFailToStart);
  CHECK(t.counters().failed_starts == 1);
  CHECK(t.start(false) == sim::CommandResult::kNotPermitted);  // locked out
  REQUIRE(t.reset() == sim::CommandResult::kAccepted);
  auto after = run_start(t, 700);
  CHECK(after[sim::TurbineState::kOff] == Approx(600).margin(kDt));  // cooldown
  CHECK(t.start(false) == sim::CommandResult::kAccepted);
}

TEST_CASE("fail-to-start probability 1 always fails, 0 never", "[sim][turbine]") {
  for (double p : {0.0, 1.0}) {
    site::Site s = test::load(test::island_site_toml(4, "droop"));
    for (auto& g : s.turbine_groups)
      g.fail_to_start_probability = p;
    sim::Plant plant(s, sim::PlantOptions{0.01, 11});
    for (int u = 0; u < 4; ++u)
      REQUIRE(plant.turbine_start(u) == sim::CommandResult::kAccepted);
    plant.run_for(80);
    for (int u = 0; u < 4; ++u) {
      const bool tripped = plant.turbine(u).state() == sim::TurbineState::kTripped;
      CHECK(tripped == (p == 1.0));
    }
  }
}

TEST_CASE("a trip drops the output at once and locks the unit out", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(12);
  t.trip(sim::TripCause::kCommanded);
  CHECK(t.mechanical_mw() == 0);
  CHECK(t.state() == sim::TurbineState::kTripped);
  CHECK_FALSE(t.breaker_closed());
  CHECK(t.counters().trips == 1);
  CHECK(t.set_setpoint_mw(12) == sim::CommandResult::kAccepted);  // stored for the next run
  CHECK(t.start(false) == sim::CommandResult::kNotPermitted);
}

TEST_CASE("a stop unloads at the ramp rate, then cools down", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(8.25);
  REQUIRE(t.stop() == sim::CommandResult::kAccepted);
  auto at = run_start(t, 800);
  // 0.5 pu at 0.2 pu/min is 150 s, plus the lags settling below 1 kW.
  CHECK(at[sim::TurbineState::kCooldown] == Approx(150 + 5).margin(5));
  CHECK(at[sim::TurbineState::kOff] == Approx(at[sim::TurbineState::kCooldown] + 600).margin(kDt));
  CHECK(t.counters().stops == 1);
}

TEST_CASE("fuel, CO2 and NOx at full load match the heat rate and emission factors",
          "[sim][turbine]") {
  sim::Turbine t(unit_params());
  t.force_online(16.5);
  for (int i = 0; i < 360000; ++i)
    t.step(kDt, 1.0, 0.0, 60.0);
  // 16.5 MW * 10,280 Btu/kWh = 169.62 MMBtu/h (heat rate derived from NREL REopt's 33.2 %).
  const double fuel = 16.5 * 1000 * 10280 * 1e-6;
  CHECK(t.counters().fuel_mmbtu == Approx(fuel).epsilon(1e-6));
  CHECK(t.counters().co2_kg == Approx(fuel * 53.06).epsilon(1e-6));
  // 25 ppm NOx at 15 % O2 is 0.0921 lb/MMBtu (Method 19: 25 * 1.194e-7 * 8710 * 20.9/5.9).
  CHECK(t.counters().nox_kg == Approx(fuel * 0.09209 / 2.20462).epsilon(0.001));
  CHECK(t.counters().run_s == Approx(3600).margin(kDt));
}
