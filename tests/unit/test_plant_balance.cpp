// Whole-plant invariants: energy balance at every step, battery energy accounting,
// the grid breaker's behaviour, and determinism for a seed.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "sim/plant.hpp"
#include "test_sites.hpp"

namespace {

const char* kBattery = R"(
[battery]
power_mw = 20
energy_mwh = 10
round_trip_efficiency_pu = 0.81
soc_min_pu = 0.1
soc_max_pu = 0.9
initial_soc_pu = 0.5
)";

// generation + grid import + battery discharge = load + losses
double imbalance_mw(const sim::PlantState& s) {
  return s.generation_mw + s.import_mw + s.battery_mw - (s.load_mw + s.losses_mw);
}

}  // namespace

TEST_CASE("energy balance holds at every step through outage, island and return",
          "[sim][balance]") {
  site::Site s = test::load(test::island_site_toml(4, "isochronous", kBattery));
  s.facility.conversion_loss_pu = 0.07;
  s.facility.cooling_pu = 0.3;
  sim::Plant plant(s, sim::PlantOptions{0.01, 3});
  for (int u = 0; u < 4; ++u)
    plant.set_turbine_online(u, 12.0);
  double worst = 0, mech_minus_elec_mws = 0;
  double kinetic_at_outage = 0;
  for (int i = 0; i < 100000; ++i) {
    if (i == 10000) {
      plant.grid_outage();
    }
    if (i == 20000) plant.grid_return();
    if (i == 30000) REQUIRE(plant.breaker_close() == sim::CommandResult::kAccepted);
    if (i == 5000) REQUIRE(plant.battery_setpoint(15) == sim::CommandResult::kAccepted);
    if (i == 15000) REQUIRE(plant.battery_setpoint(-5) == sim::CommandResult::kAccepted);
    plant.step();
    const sim::PlantState& st = plant.state();
    worst = std::max(worst, std::fabs(imbalance_mw(st)));
    if (i == 10000) {
      REQUIRE(st.islanded);
      kinetic_at_outage = st.kinetic_mws;
    }
    // While islanded, what the turbines made and the bus did not take went into the rotors.
    if (st.islanded && i > 10000 && i < 20000)
      mech_minus_elec_mws += (st.mechanical_mw - st.generation_mw) * 0.01;
    if (i == 19999) {
      // Kinetic energy E w^2 against the integral of the mismatch (linearised: 2 E dw).
      const double kinetic_change_mws = st.kinetic_mws - kinetic_at_outage;
      CHECK(mech_minus_elec_mws == Approx(kinetic_change_mws).margin(0.5));
    }
  }
  CHECK(worst < 1e-9);
  CHECK_FALSE(plant.state().islanded);
}

TEST_CASE("battery energy accounting: what left the cells equals what was delivered plus losses",
          "[sim][battery]") {
  site::Site s = test::load(test::island_site_toml(1, "droop", kBattery));
  sim::Plant plant(s, sim::PlantOptions{0.01, 3});
  const double e0 = plant.battery()->stored_mwh();
  REQUIRE(plant.battery_setpoint(20) == sim::CommandResult::kAccepted);
  plant.run_for(1800);
  const sim::Battery& b = *plant.battery();
  // Discharging at most to soc_min: 0.4 * 10 MWh of cells, at 0.9 efficiency each way.
  CHECK(b.soc_pu() == Approx(0.1).margin(1e-6));
  CHECK(b.discharged_mwh() == Approx((e0 - b.stored_mwh()) * 0.9).epsilon(1e-6));
  CHECK(b.limited());
  CHECK(b.power_mw() == Approx(0).margin(1e-6));
  REQUIRE(plant.battery_setpoint(-20) == sim::CommandResult::kAccepted);
  plant.run_for(3600);
  CHECK(b.soc_pu() == Approx(0.9).margin(1e-6));
  const double stored_by_charge = b.stored_mwh() - 0.1 * 10;
  CHECK(b.charged_mwh() == Approx(stored_by_charge / 0.9).epsilon(1e-6));
  CHECK(plant.battery_setpoint(20.01) == sim::CommandResult::kOutOfRange);
}

TEST_CASE("the POI breaker opens on outage and closes only on command with sync check",
          "[sim][grid]") {
  sim::Plant plant(test::load(test::island_site_toml(4, "droop")), sim::PlantOptions{0.01, 3});
  for (int u = 0; u < 3; ++u)
    plant.set_turbine_online(u, 11.0);  // 33 of 40 MW: importing 7
  plant.run_for(1);
  CHECK(plant.state().import_mw == Approx(7.0).epsilon(1e-9));
  plant.grid_outage();
  plant.step();
  CHECK(plant.state().islanded);
  CHECK(plant.grid().last_trip() == sim::BreakerTrip::kLossOfMains);
  CHECK(plant.breaker_close() == sim::CommandResult::kNotPermitted);  // no grid to close onto
  plant.run_for(60);
  plant.grid_return();
  plant.step();
  CHECK(plant.state().islanded);  // back only when the operator or controller closes
  // The droop island settled low; a slip beyond 0.2 Hz fails the sync check.
  REQUIRE(plant.state().frequency_hz < 59.8);
  CHECK(plant.breaker_close() == sim::CommandResult::kNotPermitted);
  // A sag below 0.7 pu for 0.5 s trips a closed breaker.
  sim::Plant other(test::load(test::island_site_toml(4, "droop")), sim::PlantOptions{0.01, 3});
  other.voltage_sag(0.5, 2.0);
  other.run_for(0.49);
  CHECK_FALSE(other.state().islanded);
  other.run_for(0.03);
  CHECK(other.state().islanded);
  CHECK(other.grid().last_trip() == sim::BreakerTrip::kUndervoltage);
}

TEST_CASE("a grid frequency excursion moves grid-parallel units along their droop", "[sim][grid]") {
  sim::Plant plant(test::load(test::island_site_toml(1, "droop")), sim::PlantOptions{0.01, 3});
  plant.set_turbine_online(0, 10.0);
  plant.frequency_excursion(59.9, 60);
  plant.run_for(30);
  // (1 - 59.9/60) / 0.04 = 0.04167 pu of 16.5 MW.
  CHECK(plant.turbine(0).mechanical_mw() == Approx(10.0 + 16.5 * (0.1 / 60) / 0.04).epsilon(1e-6));
  plant.run_for(60);
  CHECK(plant.state().frequency_hz == 60.0);
  CHECK(plant.turbine(0).mechanical_mw() == Approx(10.0).epsilon(1e-6));
}

namespace {
std::uint64_t trace_hash(const std::string& preset, std::uint64_t seed) {
  site::LoadResult r = site::load_site_file(test::preset_path(preset.c_str()));
  REQUIRE(r.site);
  sim::Plant plant(*r.site, sim::PlantOptions{0.01, seed});
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the bits of the import trace
  for (int i = 0; i < 30000; ++i) {
    plant.step();
    std::uint64_t bits;
    const double v = plant.state().import_mw;
    std::memcpy(&bits, &v, sizeof bits);
    h = (h ^ bits) * 1099511628211ULL;
  }
  return h;
}
}  // namespace

TEST_CASE("the same seed gives a bit-identical trace; another seed a different one",
          "[sim][determinism]") {
  const std::uint64_t a = trace_hash("colossus-100k.toml", 42);
  CHECK(trace_hash("colossus-100k.toml", 42) == a);
  CHECK(trace_hash("colossus-100k.toml", 43) != a);
}
