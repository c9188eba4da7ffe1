// IT ride-through: PSU hold-up, UPS transfer on a deep dip or after N dips in a
// window, the battery that pays for the IT while off the grid, and the return.
// The site: 40 batch pods of 1 MW on the grid, no turbine online, so the import
// is exactly what the bus carries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "alloc_counter.hpp"
#include "scenario_run.hpp"
#include "sim/plant.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_player.hpp"
#include "test_sites.hpp"

namespace {

constexpr double kDt = 0.01;
constexpr double kLoss = 0.07;
constexpr double kCooling = 0.3;

site::Site ups_site() {
  site::Site s = test::load(test::island_site_toml(1, "droop"));
  s.facility.conversion_loss_pu = kLoss;
  s.facility.cooling_pu = kCooling;
  site::PodUps& u = s.pod_groups[0].ups;
  u.psu_hold_up_s = 0.02;
  u.transfer_below_pu = 0.85;
  u.dip_threshold_pu = 0.9;
  u.transfer_after_dips = 3;
  u.dip_window_s = 60;
  u.battery_s = 240;
  u.return_delay_s = 10;
  u.return_stagger_s = 8;
  u.recharge_pu = 0.1;
  return s;
}

// The IT of the pods still on the UPS: the group's last `on_ups` pods.
double on_ups_it_mw(const sim::Plant& p, int on_ups) {
  double mw = 0;
  for (int k = p.pods().size() - on_ups; k < p.pods().size(); ++k)
    mw += p.pods().power_mw(k);
  return mw;
}

// A shallow dip (0.88 pu: a dip, but above the transfer voltage), 0.1 s long.
sim::VoltageDips shallow_train(int count) {
  return sim::VoltageDips{0.88, 0.1, count, 5.0, sim::DipKind::kThreePhase};
}

}  // namespace

TEST_CASE("shallow dips move a UPS group off the grid at the Nth dip in the window, not before",
          "[sim][ups]") {
  sim::Plant plant(ups_site(), sim::PlantOptions{kDt, 3});
  plant.run_for(1);
  const double start = plant.time_s();
  plant.voltage_dips(shallow_train(3));  // dips at +0, +5, +10 s
  // Through the first two dips and up to the third's hold-up, everything stays on the bus.
  for (int i = 0; i < 1002; ++i) {
    plant.step();
    INFO("t=" << plant.time_s());
    REQUIRE(plant.state().pods_on_ups == 0);
    REQUIRE(plant.state().ups_mw == 0);
  }
  CHECK(plant.ups().dips_counted(0) == 2);
  // The third dip's third step outlasts the 20 ms hold-up: the whole group transfers.
  plant.step();
  CHECK(plant.time_s() == Approx(start + 10.03).margin(1e-9));
  CHECK(plant.ups().dips_counted(0) == 3);
  CHECK(plant.state().pods_on_ups == 40);
  const double it = plant.pods().it_mw();
  CHECK(plant.state().ups_mw == Approx(it * (1 + kLoss)).epsilon(1e-12));
  // The bus keeps only the cooling: the IT and its conversion losses left it.
  CHECK(plant.state().load_mw == Approx(plant.state().cooling_mw).epsilon(1e-12));
  CHECK(plant.state().losses_mw == 0);
  CHECK(plant.state().import_mw == Approx(plant.state().cooling_mw).epsilon(1e-12));
  CHECK(plant.state().cooling_mw > 0.9 * kCooling * it);  // cooling is not on the UPS
}

TEST_CASE("dips spread wider than the window never add up to a transfer", "[sim][ups]") {
  site::Site s = ups_site();
  s.pod_groups[0].ups.dip_window_s = 9.0;  // the 1st and 3rd dips are 10 s apart
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.voltage_dips(shallow_train(3));
  for (int i = 0; i < 2000; ++i) {
    plant.step();
    REQUIRE(plant.state().pods_on_ups == 0);
  }
  CHECK(plant.ups().dips_counted(0) == 3);
}

TEST_CASE(
    "the group returns after the delay, pod by pod over the stagger, and the UPS paid for "
    "the IT meanwhile",
    "[sim][ups]") {
  const site::Site s = ups_site();
  const site::PodUps& u = s.pod_groups[0].ups;
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.voltage_dips(shallow_train(3));
  const double last_dip_end = 10.1;
  const double back_at = last_dip_end + u.return_delay_s;  // the return begins
  double it_on_ups_mwh = 0, ups_mwh = 0;
  bool returned = false;
  for (int i = 0; i < 3500; ++i) {
    plant.step();
    const sim::PlantState& st = plant.state();
    const double t = st.time_s;
    const int n = plant.pods().size();
    // By hand: before the return, the 40 pods on the UPS once transferred; during it,
    // pod k of 40 is back at back_at + k * stagger / 40.
    int expected_on_ups = 0;
    if (t > 10.03 - 1e-9 && t < back_at - 1e-9) expected_on_ups = n;
    if (t >= back_at - 1e-9) {
      const int back = static_cast<int>(std::floor(n * (t - back_at) / u.return_stagger_s + 1e-6));
      expected_on_ups = std::max(0, n - back);
    }
    INFO("t=" << t);
    REQUIRE(st.pods_on_ups == expected_on_ups);
    // What the bus carries: the IT still on the grid, its losses, cooling, the recharge.
    const double ups_it = on_ups_it_mw(plant, st.pods_on_ups);
    const double bus_it = plant.pods().it_mw() - ups_it;
    const double recharge = st.load_mw - bus_it - st.cooling_mw;
    REQUIRE(st.losses_mw == Approx(bus_it * kLoss).margin(1e-9));
    REQUIRE(st.ups_mw == Approx(ups_it * (1 + kLoss)).margin(1e-9));
    REQUIRE(recharge >= -1e-9);
    if (st.pods_on_ups > 0) REQUIRE(std::fabs(recharge) < 1e-9);  // no refill while in use
    // The bus load's return profile: cooling plus the first n - expected pods, by hand.
    double back_mw = 0;
    for (int k = 0; k < n - expected_on_ups; ++k)
      back_mw += plant.pods().power_mw(k);
    if (st.pods_on_ups > 0) REQUIRE(st.load_mw == Approx(st.cooling_mw + back_mw).epsilon(1e-12));
    it_on_ups_mwh += ups_it * (1 + kLoss) * kDt / 3600;
    ups_mwh += st.ups_mw * kDt / 3600;
    if (!returned && plant.ups().mode(0) == sim::UpsMode::kGrid && t > 20) {
      returned = true;
      CHECK(t == Approx(back_at + u.return_stagger_s).margin(1e-6));
      // The battery gave exactly the IT energy (with its conversion losses) it carried.
      const double used_mws = plant.ups().capacity_mws(0) - plant.ups().energy_mws(0) +
                              plant.ups().recharged_mwh() * 3600;
      CHECK(used_mws / 3600 == Approx(it_on_ups_mwh).epsilon(1e-9));
      CHECK(plant.ups().discharged_mwh() == Approx(ups_mwh).epsilon(1e-9));
    }
  }
  CHECK(returned);
  // The refill then takes from the bus what the battery gave: no free energy.
  plant.run_for(600);
  CHECK(plant.ups().energy_mws(0) == Approx(plant.ups().capacity_mws(0)).epsilon(1e-9));
  CHECK(plant.ups().recharged_mwh() == Approx(plant.ups().discharged_mwh()).epsilon(1e-9));
}

TEST_CASE("with no stagger the whole group returns in one step", "[sim][ups]") {
  site::Site s = ups_site();
  s.pod_groups[0].ups.return_stagger_s = 0;
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.voltage_dips(shallow_train(3));
  int last_on_ups = 0, jumps = 0;
  double back_t = 0;
  for (int i = 0; i < 2500; ++i) {
    plant.step();
    const int on = plant.state().pods_on_ups;
    if (last_on_ups == 40 && on == 0) {
      ++jumps;
      back_t = plant.time_s();
    }
    REQUIRE((on == 0 || on == 40));
    last_on_ups = on;
  }
  CHECK(jumps == 1);
  CHECK(back_t == Approx(10.1 + s.pod_groups[0].ups.return_delay_s).margin(1e-6));
}

TEST_CASE("a dip no longer than the PSU hold-up changes nothing; a longer one transfers",
          "[sim][ups]") {
  for (double duration : {0.01, 0.02}) {
    sim::Plant plant(ups_site(), sim::PlantOptions{kDt, 3});
    plant.run_for(1);
    const double import_before = plant.state().import_mw;
    plant.voltage_dips(sim::VoltageDips{0.0, duration, 1, 0, sim::DipKind::kThreePhase});
    for (int i = 0; i < 100; ++i) {
      plant.step();
      INFO("dip " << duration << " s, t=" << plant.time_s());
      REQUIRE(plant.state().pods_on_ups == 0);
      REQUIRE(plant.state().import_mw == Approx(import_before).epsilon(1e-9));
    }
    CHECK(plant.ups().dips_counted(0) == 0);
  }
  sim::Plant plant(ups_site(), sim::PlantOptions{kDt, 3});
  plant.voltage_dips(sim::VoltageDips{0.0, 0.03, 1, 0, sim::DipKind::kThreePhase});
  plant.run_for(0.03);
  CHECK(plant.state().pods_on_ups == 40);
}

TEST_CASE("a phase-to-ground dip transfers by the depth the IT sees, not the faulted phase's",
          "[sim][ups]") {
  // A bolted fault on one phase leaves the IT 0.577 pu: below 0.85, so it transfers;
  // the same fault at 0.95 retained leaves the IT above the dip threshold.
  sim::Plant deep(ups_site(), sim::PlantOptions{kDt, 3});
  deep.voltage_dips(sim::VoltageDips{0.0, 0.2, 1, 0, sim::DipKind::kPhaseToGround});
  deep.run_for(0.1);
  CHECK(deep.grid().voltage_pu() == Approx(2.0 / 3.0).epsilon(1e-12));
  CHECK(deep.state().pods_on_ups == 40);
  sim::Plant light(ups_site(), sim::PlantOptions{kDt, 3});
  light.voltage_dips(sim::VoltageDips{0.9, 0.2, 1, 0, sim::DipKind::kPhaseToGround});
  light.run_for(0.5);
  CHECK(light.state().pods_on_ups == 0);
  CHECK(light.ups().dips_counted(0) == 0);
}

TEST_CASE("a UPS battery that runs out drops its pods: dark until after the grid is back",
          "[sim][ups]") {
  site::Site s = ups_site();
  site::PodUps& u = s.pod_groups[0].ups;
  u.battery_s = 2;  // 80 MWs for 40 MW of compute
  u.return_delay_s = 1;
  u.return_stagger_s = 0;
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  // 0.8 pu for 5 s: below the UPS's 0.85, above the POI's 0.7 under-voltage trip.
  plant.voltage_dips(sim::VoltageDips{0.8, 5.0, 1, 0, sim::DipKind::kThreePhase});
  const double capacity = plant.ups().capacity_mws(0);
  REQUIRE(capacity == Approx(80.0).epsilon(1e-12));
  const double draw = plant.pods().it_mw() * (1 + kLoss);  // before the pods go dark
  double given_mws = 0, empty_at = -1;
  for (int i = 0; i < 700; ++i) {
    plant.step();
    const sim::PlantState& st = plant.state();
    given_mws += st.ups_mw * kDt;
    if (empty_at < 0 && st.ups_unserved_mw > 0) empty_at = st.time_s;
    if (empty_at > 0 && st.time_s > empty_at + 1e-9 && st.time_s < 5.0) {
      // Dark: nobody serves the group's IT, neither the battery nor the bus.
      REQUIRE(st.ups_mw == 0);
      REQUIRE(st.ups_unserved_mw == Approx(plant.pods().it_mw()).epsilon(1e-12));
      REQUIRE(st.load_mw == Approx(st.cooling_mw).epsilon(1e-12));
      REQUIRE(st.it_mw == Approx(0).margin(1e-9));  // the IT served: none
    }
  }
  // By hand: on the battery from t = 0.03 s, drawing 40 MW x 1.07 until 80 MWs are gone.
  CHECK(empty_at == Approx(0.03 + capacity / draw).margin(kDt));
  CHECK(given_mws == Approx(capacity).epsilon(1e-9));
  // The KPIs count the dark pods' IT as unserved energy, from empty to the return.
  CHECK(plant.totals().unserved_mwh > 0);
  CHECK(plant.ups().discharged_mwh() * 3600 == Approx(capacity).epsilon(1e-9));
  // The voltage was back at 5 s; after the 1 s delay the pods are on the grid again.
  CHECK(plant.state().pods_on_ups == 0);
  CHECK(plant.state().ups_unserved_mw == 0);
  // Their jobs crashed with the supply: dark until their power-on delay has passed.
  CHECK(plant.state().dark_pods == 40);
  CHECK(plant.state().lost_it_mw > 0);
}

TEST_CASE("a group without a UPS stays on the bus through any dip", "[sim][ups]") {
  site::Site s = ups_site();
  s.pod_groups[0].ups.enabled = false;
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.voltage_dips(sim::VoltageDips{0.75, 0.3, 3, 1.0, sim::DipKind::kThreePhase});
  for (int i = 0; i < 400; ++i) {
    plant.step();
    REQUIRE(plant.state().pods_on_ups == 0);
    REQUIRE(plant.state().ups_mw == 0);
  }
}

TEST_CASE("a scenario's dip train reaches the pod groups' UPSs through the player", "[sim][ups]") {
  // Six phase-to-ground faults 15 s apart, as auto-reclosing gives. The faulted phase
  // keeps 0.75: the POI reads (2 + 0.75)/3 = 0.917 (no under-voltage trip), the IT
  // 0.878: a dip (< 0.9) but no transfer (>= 0.85), so the third dip transfers.
  const std::string site = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";
  const auto r = sim::load_scenario_string(
      "[scenario]\nname = \"t\"\nsite = \"" + site +
          "\"\nduration_s = 120\n[[event]]\nat_s = 5\ntype = \"voltage_sag\"\npu = 0.75\n"
          "duration_s = 0.1\ncount = 6\ninterval_s = 15\nkind = \"phase_to_ground\"\n",
      "x.toml");
  REQUIRE(r.scenario);
  sim::Plant plant(*r.site, sim::PlantOptions{r.scenario->step_s, r.scenario->seed});
  sim::ScenarioPlayer player(plant, *r.scenario);
  player.initialise();
  double first_on_ups_s = -1, min_poi_pu = 1;
  bool islanded = false;
  player.run([&](const sim::Plant& p) {
    min_poi_pu = std::min(min_poi_pu, p.grid().voltage_pu());
    islanded |= p.state().islanded;
    if (first_on_ups_s < 0 && p.state().pods_on_ups > 0) first_on_ups_s = p.time_s();
  });
  CHECK(min_poi_pu == Approx(2.75 / 3).epsilon(1e-12));
  CHECK_FALSE(islanded);
  // The third dip starts at 5 + 2 x 15 = 35 s and outlasts the 20 ms hold-up at 35.03 s.
  CHECK(first_on_ups_s == Approx(35.03).margin(1e-6));
  for (int g = 0; g < plant.ups().groups(); ++g)
    CHECK(plant.ups().dips_counted(g) == 6);
}

TEST_CASE("scenario reclosing-dips moves the site's IT onto UPS and back, keeping its invariants",
          "[scenario-run][ups]") {
  const std::string path = std::string(PLANT_SOURCE_DIR) + "/scenarios/reclosing-dips.toml";
  const sim::ScenarioLoad loaded = sim::load_scenario_file(path);
  REQUIRE(loaded.scenario);
  const scenario::RunResult r = scenario::run_scenario(*loaded.scenario, *loaded.site, {});
  for (const scenario::Invariant& i : r.invariants) {
    INFO(i.name << ": " << i.detail);
    CHECK(i.pass);
  }
}

TEST_CASE("transfers, dark pods and returns allocate no heap memory in the step", "[sim][ups]") {
  site::Site s = ups_site();
  s.pod_groups[0].ups.battery_s = 1;  // runs out during the deep dip below
  sim::Plant plant(s, sim::PlantOptions{kDt, 3});
  plant.run_for(1);
  plant.voltage_dips(shallow_train(3));  // a train before the deep dip: N-dip transfer
  long allocations = 0;
  for (int i = 0; i < 4000; ++i) {
    if (i == 2500) plant.voltage_dips(sim::VoltageDips{0.8, 3.0, 1, 0, sim::DipKind::kThreePhase});
    const long before = alloc_counter::allocations();
    plant.step();
    allocations += alloc_counter::allocations() - before;
  }
  CHECK(plant.ups().dips_counted(0) == 4);
  CHECK(plant.ups().discharged_mwh() > 0);
  CHECK(allocations == 0);
}
