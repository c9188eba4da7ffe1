// Shortfall and cold-load pickup, against closed forms: a unit never gives more
// than its short-time current limit and an island short of sources goes dark
// after the undervoltage clearing time; a UPS that takes the IT off a short bus
// saves it; pods that lost their supply power on at delay + k * stagger / n,
// boot at idle power and take up their jobs job_restart_s later; a UPS carries
// its IT through a dark bus for its battery's time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/plant.hpp"
#include "test_sites.hpp"

namespace {

constexpr double kDt = 0.01;

// The island test site: 40 batch pods of 1 MW (idle 0.35 MW), no overhead.
site::Site cold_load_site(bool ups) {
  site::Site s = test::load(test::island_site_toml(2, "droop"));
  site::PodGroup& g = s.pod_groups[0];
  g.ups.enabled = ups;
  g.power_on_delay_s = 10;
  g.power_on_stagger_s = 40;  // pod k of 40 powers on k seconds after the delay
  g.job_restart_s = 100;
  g.job_ramp_s = 30;
  return s;
}

// Runs until `t_s` (whole steps).
void run_until(sim::Plant& plant, double t_s) {
  while (plant.time_s() < t_s - 1e-9)
    plant.step();
}

}  // namespace

TEST_CASE("cold load: a unit gives at most its short-time current; a short island goes dark",
          "[sim][cold-load][shortfall]") {
  // One 16.5 MW unit alone carries the idle pods' 14 MW; 40 MW of facility load
  // more arrives at once (no UPS can take it off the bus): 54 MW against 1.5 x 16.5.
  site::Site s = cold_load_site(true);
  s.pod_groups[0].starts_running = false;
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.set_turbine_online(0, 14.0);
  plant.set_breaker_closed(false);
  run_until(plant, 60);
  REQUIRE(plant.state().it_mw == Approx(14.0));
  plant.load_surge(40, 0);
  double short_s = 0, most_mw = 0;
  while (!plant.state().blackout && plant.time_s() < 130) {
    plant.step();
    most_mw = std::max(most_mw, plant.turbine(0).electrical_mw());
    if (plant.state().shortfall) {
      short_s += kDt;
      CHECK(plant.state().voltage_pu == Approx(0.45));
    }
  }
  REQUIRE(plant.state().blackout);
  CHECK(most_mw <= 1.5 * 16.5 + 1e-9);
  CHECK(short_s == Approx(0.16).margin(kDt + 1e-9));  // the undervoltage clearing time
  CHECK(plant.turbine(0).trip_cause() == sim::TripCause::kUndervoltage);
  CHECK(plant.totals().min_frequency_hz > 57.0);  // no nonsense nadir from the collapse
}

TEST_CASE("cold load: a short battery island whose UPS takes the IT off the bus stays up",
          "[sim][cold-load][shortfall]") {
  // A 40 MW grid-forming battery alone; the pods draw 40 MW and cooling 2 MW more.
  site::Site s = test::load(test::island_site_toml(2, "droop", R"(
[battery]
power_mw = 40
energy_mwh = 160
initial_soc_pu = 0.5
grid_forming = true
)"));
  s.facility.cooling_pu = 0.05;
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.set_breaker_closed(false);
  bool was_short = false;
  for (int i = 0; i < 500; ++i) {
    plant.step();
    was_short |= plant.state().shortfall;
    REQUIRE_FALSE(plant.state().blackout);
  }
  CHECK(was_short);
  // The UPS saw the collapse and carries the IT; the bus carries the cooling.
  CHECK(plant.state().pods_on_ups == 40);
  CHECK_FALSE(plant.state().shortfall);
  CHECK(plant.state().battery_mw == Approx(plant.state().load_mw).epsilon(1e-6));
  CHECK(plant.state().dark_pods == 0);
}

TEST_CASE("cold load: pods dark through a blackout power on staggered, boot, then work",
          "[sim][cold-load]") {
  site::Site s = cold_load_site(false);  // no UPS: the pods drop with the bus
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  run_until(plant, 5);
  const double compute_mw = plant.pods().compute_mw(0), idle_mw = plant.pods().idle_mw(0);
  REQUIRE(plant.pods().power_mw(0) == Approx(compute_mw));
  plant.grid_outage();
  run_until(plant, 6);
  REQUIRE(plant.state().blackout);
  CHECK(plant.state().dark_pods == 40);
  CHECK(plant.pods().it_mw() == 0);
  CHECK(plant.state().lost_it_mw == Approx(40 * compute_mw));
  run_until(plant, 60);
  plant.grid_return();
  REQUIRE(plant.breaker_close() == sim::CommandResult::kAccepted);
  while (!plant.grid().connected())
    plant.step();
  const double live_s = plant.time_s();
  CHECK(plant.state().dark_pods == 40);  // nothing powers on before its delay
  for (const int k : {0, 17, 39}) {
    const double on_s = live_s + 10 + k;  // delay + k * stagger / n
    run_until(plant, on_s - 0.05);
    CHECK(plant.pods().dark(k));
    run_until(plant, on_s + 0.05);
    CHECK_FALSE(plant.pods().dark(k));
    CHECK(plant.pods().booting(k));
    CHECK(plant.pods().power_mw(k) == Approx(idle_mw));
    if (k < 39) CHECK(plant.pods().dark(k + 1));
  }
  // Pod 0's job comes back 100 s after power-on and ramps over 30 s.
  run_until(plant, live_s + 10 + 100 - 0.05);
  CHECK(plant.pods().power_mw(0) == Approx(idle_mw));
  run_until(plant, live_s + 10 + 100 + 15);
  CHECK(plant.pods().power_mw(0) == Approx(idle_mw + 0.5 * (compute_mw - idle_mw)).margin(0.02));
  run_until(plant, live_s + 10 + 100 + 31);
  CHECK(plant.pods().power_mw(0) == Approx(compute_mw));
  CHECK_FALSE(plant.pods().booting(0));
  // The dark and booting pods' work is unserved energy, not curtailment.
  CHECK(plant.totals().unserved_mwh > 40 * compute_mw * 60 / 3600);
  CHECK(plant.totals().curtailed_mwh == Approx(0).margin(1e-9));
}

TEST_CASE("cold load: a UPS carries its IT through a dark bus for its battery's time",
          "[sim][cold-load][ups]") {
  site::Site s = cold_load_site(true);
  s.pod_groups[0].ups.battery_s = 30;  // 30 s at compute power
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  run_until(plant, 5);
  plant.grid_outage();
  run_until(plant, 6);
  REQUIRE(plant.state().blackout);
  CHECK(plant.state().pods_on_ups == 40);
  CHECK(plant.state().dark_pods == 0);
  CHECK(plant.state().it_mw == Approx(plant.pods().it_mw()));  // served by the UPS
  // 40 MW with no conversion loss: 1,200 MWs last 30 s from the transfer.
  run_until(plant, 5 + 29.5);
  CHECK(plant.state().dark_pods == 0);
  run_until(plant, 5 + 30.5);
  CHECK(plant.state().dark_pods == 40);
  CHECK(plant.state().it_mw == 0);
}
