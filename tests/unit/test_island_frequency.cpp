// Islanded frequency against the closed forms of the per-unit swing equation with droop R
// and load damping D:
//   steady state  df = -dP / (1/R + D) pu      initial RoCoF = -dP f0 / (2H)
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/plant.hpp"
#include "test_sites.hpp"

namespace {

// Four 16.5 MW units sharing 40 MW, islanded and in equilibrium at 60 Hz.
sim::Plant islanded_plant(const std::string& governor) {
  sim::Plant plant(test::load(test::island_site_toml(4, governor)), sim::PlantOptions{0.01, 7});
  for (int u = 0; u < 4; ++u)
    plant.set_turbine_online(u, 10.0);
  plant.set_breaker_closed(false);
  return plant;
}

}  // namespace

TEST_CASE("an islanded plant in balance holds nominal frequency", "[sim][island]") {
  sim::Plant plant = islanded_plant("droop");
  plant.run_for(30);
  REQUIRE(plant.state().islanded);
  CHECK(plant.state().frequency_hz == Approx(60.0).margin(1e-9));
  CHECK(plant.state().generation_mw == Approx(40.0).epsilon(1e-12));
}

TEST_CASE("islanded step load on droop units: closed-form RoCoF and frequency deviation",
          "[sim][island]") {
  // Cooling of 10 MW, 40 % of it on motors direct on line (D = 2.9 on their own
  // base); the IT load is constant-power and takes no part in the damping.
  site::Site s = test::load(test::island_site_toml(4, "droop"));
  s.facility.cooling_pu = 0.25;
  s.facility.cooling_frequency_dependent_pu = 0.4;
  s.island.load_damping_pu = 2.9;
  sim::Plant plant(s, sim::PlantOptions{0.01, 7});
  for (int u = 0; u < 4; ++u)
    plant.set_turbine_online(u, 12.5);
  plant.set_breaker_closed(false);
  plant.run_for(5);
  REQUIRE(plant.state().frequency_hz == Approx(60.0).margin(1e-9));
  const double dp_mw = 5.0;
  const double base_mw = 4 * 16.5, h_s = 3.0, r_pu = 0.04, f0 = 60.0;
  const double damping_mw_per_pu = 2.9 * 0.4 * 10.0;
  plant.load_surge(dp_mw, 0);
  plant.step();
  const double expected_rocof = -(dp_mw / base_mw) * f0 / (2 * h_s);
  CHECK(plant.state().rocof_hz_per_s == Approx(expected_rocof).epsilon(0.02));

  plant.run_for(120);
  // Steady state: the units' droop and the damped load share the step.
  const double expected_df_pu = -dp_mw / (base_mw / r_pu + damping_mw_per_pu);
  CHECK(plant.state().frequency_hz - f0 == Approx(expected_df_pu * f0).epsilon(0.01));
  const double damping_mw = damping_mw_per_pu * expected_df_pu;
  CHECK(plant.state().mechanical_mw == Approx(50 + dp_mw + damping_mw).epsilon(0.001));
  CHECK(plant.state().load_mw == Approx(50 + dp_mw + damping_mw).epsilon(0.001));
}

TEST_CASE("isochronous island restores nominal frequency and shares load by rating",
          "[sim][island]") {
  sim::Plant plant = islanded_plant("isochronous");
  plant.load_surge(6.0, 0);
  double nadir_hz = 60;
  for (int i = 0; i < 12000; ++i) {
    plant.step();
    nadir_hz = std::min(nadir_hz, plant.state().frequency_hz);
  }
  CHECK(nadir_hz < 59.9);  // the step did pull the frequency down first
  CHECK(plant.state().frequency_hz == Approx(60.0).margin(0.005));
  for (int u = 0; u < 4; ++u)
    CHECK(plant.turbine(u).mechanical_mw() == Approx(11.5).epsilon(0.005));
}

TEST_CASE("losing a unit in an island without enough reserve collapses it to blackout",
          "[sim][island]") {
  // Three units share 40 MW; losing one leaves 33 MW of capacity for 40 MW of load.
  sim::Plant plant(test::load(test::island_site_toml(3, "isochronous")),
                   sim::PlantOptions{0.01, 1});
  for (int u = 0; u < 3; ++u)
    plant.set_turbine_online(u, 40.0 / 3);
  plant.set_breaker_closed(false);
  plant.run_for(1);
  plant.turbine_trip(0);
  plant.run_for(30);
  CHECK(plant.state().blackout);
  CHECK(plant.turbine(1).trip_cause() == sim::TripCause::kUnderfrequency);
  CHECK(plant.totals().unserved_mwh > 0);
}
