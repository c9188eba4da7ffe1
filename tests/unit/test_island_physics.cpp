// The island's physics against independent truths: energy closes at every step
// (sources = loads + losses + what the rotors took up), no source above its
// rating, the battery pays for its synthetic inertia, a collapsing island trips
// and goes dark, the largest documented step is stable, and only a black-start
// source can start on a dead bus.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "sim/island_bus.hpp"
#include "sim/plant.hpp"
#include "test_sites.hpp"

namespace {

// A Megapack-class battery as Colossus has (150 MW), 4 hours.
const char* kBigBattery = R"(
[battery]
power_mw = 150
energy_mwh = 600
round_trip_efficiency_pu = 0.9
initial_soc_pu = 0.5
grid_forming = true
virtual_inertia_h_s = 2.0
droop_pu = 0.01
)";

site::Site battery_island_site() {
  site::Site s = test::load(test::island_site_toml(4, "isochronous", kBigBattery));
  s.facility.cooling_pu = 0.25;  // 10 MW of cooling on 40 MW of IT
  s.facility.conversion_loss_pu = 0.05;
  return s;
}

// Islanded at t = 0 with no unit online: the battery alone holds the bus.
sim::Plant battery_only_island(double step_s) {
  sim::Plant plant(battery_island_site(), sim::PlantOptions{step_s, 5});
  plant.set_breaker_closed(false);
  return plant;
}

double bus_imbalance_mw(const sim::PlantState& s) {
  return s.generation_mw + s.battery_mw + s.import_mw - (s.load_mw + s.losses_mw);
}

}  // namespace

TEST_CASE("island: energy closes at every step, no source above its rating, the battery pays",
          "[sim][island][energy]") {
  site::Site s = battery_island_site();
  sim::Plant plant(s, sim::PlantOptions{0.01, 5});
  for (int u = 0; u < 3; ++u)
    plant.set_turbine_online(u, 13.0);
  plant.set_breaker_closed(false);
  const double stored_at_start_mwh = plant.battery()->stored_mwh();
  double kinetic_mws = 0, worst_bus_mw = 0, worst_rotor_mw = 0, battery_out_mwh = 0;
  int units_before = 3;
  for (int i = 0; i < 60000; ++i) {
    if (i == 1000) plant.load_surge(20, 0);   // +20 MW at 10 s
    if (i == 20000) plant.turbine_trip(0);    // a unit lost at 200 s
    if (i == 40000) plant.load_surge(-8, 0);  // a load rejection at 400 s
    const double kinetic_before_mws = plant.state().kinetic_mws;
    plant.step();
    const sim::PlantState& st = plant.state();
    REQUIRE_FALSE(st.blackout);
    worst_bus_mw = std::max(worst_bus_mw, std::fabs(bus_imbalance_mw(st)));
    CHECK(st.unserved_mw == 0);
    // What the shafts made and the bus did not take went into the rotors.
    if (st.units_online == units_before && i > 0) {
      const double rotor_mw = (st.kinetic_mws - kinetic_before_mws) / 0.01;
      worst_rotor_mw =
          std::max(worst_rotor_mw, std::fabs(st.mechanical_mw - st.generation_mw - rotor_mw));
    }
    units_before = st.units_online;
    kinetic_mws = st.kinetic_mws;
    double units_electrical_mw = 0;
    for (int u = 0; u < plant.turbine_count(); ++u) {
      const sim::Turbine& t = plant.turbine(u);
      REQUIRE(t.mechanical_mw() <= t.rating_mw() + 1e-9);
      units_electrical_mw += t.electrical_mw();
    }
    REQUIRE(units_electrical_mw == Approx(st.generation_mw).margin(1e-9));
    REQUIRE(std::fabs(st.battery_mw) <= 150 + 1e-9);
    battery_out_mwh += st.battery_mw * 0.01 / 3600;
  }
  CHECK(kinetic_mws > 0);
  CHECK(worst_bus_mw < 1e-9);
  CHECK(worst_rotor_mw < 1e-3);  // the linearised rotor term, against E = H S w^2
  // The cells paid for every MWh the battery gave (synthetic inertia and droop
  // included), at the one-way efficiency sqrt(0.9).
  const sim::Battery& b = *plant.battery();
  const double drawn_mwh = stored_at_start_mwh - b.stored_mwh();
  const double net_mwh = b.discharged_mwh() - b.charged_mwh();
  CHECK(net_mwh == Approx(battery_out_mwh).epsilon(1e-9));
  CHECK(
      drawn_mwh ==
      Approx(b.discharged_mwh() / std::sqrt(0.9) - b.charged_mwh() * std::sqrt(0.9)).epsilon(1e-9));
}

TEST_CASE("island: a battery-only island books its output as battery, not turbine, power",
          "[sim][island][energy]") {
  sim::Plant plant = battery_only_island(0.01);
  plant.run_for(5);
  plant.load_surge(30, 0);
  for (int i = 0; i < 3000; ++i) {
    plant.step();
    const sim::PlantState& st = plant.state();
    REQUIRE_FALSE(st.blackout);
    REQUIRE(st.generation_mw == 0);
    REQUIRE(st.mechanical_mw == 0);
    REQUIRE(st.battery_mw == Approx(st.load_mw + st.losses_mw).margin(1e-9));
  }
  // Droop steady state: the battery's K = 150 MW / 0.01 pu and the damped
  // cooling share the 30 MW step (no unit, so no governor).
  const double cooling_mw = plant.state().cooling_mw;
  const double damping_mw_per_pu = 2.9 * 0.2 * cooling_mw;
  const double df_pu = -(40 * 1.05 + cooling_mw + 30 - 0) / (150 / 0.01 + damping_mw_per_pu);
  CHECK(plant.state().frequency_hz - 60 == Approx(df_pu * 60).epsilon(0.01));
}

TEST_CASE("island: an over-loaded battery-only island collapses, trips and goes dark",
          "[sim][island][collapse]") {
  // 160 MW of facility load more against a 150 MW inverter: more than it can
  // carry even once the pods' UPS took their IT off the collapsing bus.
  sim::Plant plant = battery_only_island(0.01);
  plant.run_for(2);
  plant.load_surge(160, 0);
  double lowest_energised_hz = 60;
  bool dark = false;
  for (int i = 0; i < 1000 && !dark; ++i) {
    plant.step();
    dark = plant.state().blackout;
    if (!dark) lowest_energised_hz = std::min(lowest_energised_hz, plant.state().frequency_hz);
    CHECK(plant.state().battery_mw <= 150 + 1e-9);
  }
  REQUIRE(dark);
  CHECK(plant.battery()->tripped());
  CHECK(plant.time_s() == Approx(2.0 + 0.16).margin(0.02));  // the undervoltage clearing time
  // The relay acted at its setting: the bus never ran much below 56.5 Hz.
  CHECK(lowest_energised_hz > 56.5 - 0.5);
  CHECK(plant.totals().unserved_mwh > 0);
  plant.run_for(60);
  CHECK(plant.state().blackout);
  CHECK(plant.state().frequency_hz == 0);
  CHECK(plant.totals().blackout_s > 59);
  CHECK(plant.totals().min_frequency_hz > 56.0);  // no nonsense nadir from the dark bus
}

TEST_CASE("island: the largest documented step (0.1 s) is stable on the battery's stiff droop",
          "[sim][island][numerics]") {
  // The battery alone: its droop's time constant 2 H R = 40 ms is shorter than the step.
  auto response = [](double step_s) {
    sim::Plant plant = battery_only_island(step_s);
    plant.run_for(5);
    plant.load_surge(40, 0);
    std::vector<double> hz;
    for (int i = 0; i < static_cast<int>(std::lround(10 / step_s)); ++i) {
      plant.step();
      hz.push_back(plant.state().frequency_hz);
    }
    return hz;
  };
  const std::vector<double> coarse = response(0.1), fine = response(0.001);
  const double settled_hz = fine.back();
  // No oscillation: the coarse trace approaches the settled frequency from one side.
  int sign_changes = 0;
  for (std::size_t i = 1; i < coarse.size(); ++i)
    if ((coarse[i] - settled_hz) * (coarse[i - 1] - settled_hz) < -1e-18) ++sign_changes;
  CHECK(sign_changes == 0);
  CHECK(*std::min_element(coarse.begin(), coarse.end()) >=
        *std::min_element(fine.begin(), fine.end()) - 0.02);
  CHECK(coarse.back() == Approx(settled_hz).margin(1e-3));
}

TEST_CASE("island: units alone at the largest documented step stay stable after a step",
          "[sim][island][numerics]") {
  for (const double step_s : {0.001, 0.1}) {
    sim::Plant plant(test::load(test::island_site_toml(4, "isochronous")),
                     sim::PlantOptions{step_s, 7});
    for (int u = 0; u < 4; ++u)
      plant.set_turbine_online(u, 10.0);
    plant.set_breaker_closed(false);
    plant.load_surge(6, 0);
    double late_swing_hz = 0;
    const int steps = static_cast<int>(std::lround(120 / step_s));
    for (int i = 0; i < steps; ++i) {
      plant.step();
      if (i > steps / 2)
        late_swing_hz = std::max(late_swing_hz, std::fabs(plant.state().frequency_hz - 60));
    }
    INFO("step " << step_s << " s");
    CHECK(late_swing_hz < 0.01);  // restored, not ringing
  }
}

TEST_CASE("island: only a black-start source can start a unit on a dead bus",
          "[sim][island][black-start]") {
  site::Site s = test::load(test::island_site_toml(2, "isochronous"));
  s.turbine_groups[0].count = 1;
  site::TurbineGroup black_start = s.turbine_groups[0];
  black_start.name = "gt-bs";
  black_start.black_start = true;
  s.turbine_groups.push_back(black_start);
  sim::Plant plant(s, sim::PlantOptions{0.01, 3});
  plant.set_breaker_closed(false);
  plant.grid_outage();
  plant.step();
  REQUIRE(plant.state().blackout);
  CHECK(plant.turbine_start(0) == sim::CommandResult::kNotPermitted);  // no auxiliary power
  CHECK(plant.turbine(0).state() == sim::TurbineState::kOff);
  REQUIRE(plant.turbine_start(1) == sim::CommandResult::kAccepted);
  // Purge, ignition, acceleration and synchronisation: 300 s; loading then follows.
  bool energised = false;
  for (int i = 0; i < 40000 && !energised; ++i) {
    plant.step();
    energised = !plant.state().blackout;
  }
  REQUIRE(energised);
  CHECK(plant.turbine(1).breaker_closed());
  CHECK(plant.time_s() == Approx(300).margin(1.0));
  // The live bus now powers the other unit's starter.
  CHECK(plant.turbine_start(0) == sim::CommandResult::kAccepted);
}

TEST_CASE("island: a grid-forming battery energises a dead bus; a spent one cannot",
          "[sim][island][black-start]") {
  sim::Plant plant = battery_only_island(0.01);
  plant.step();
  CHECK_FALSE(plant.state().blackout);
  CHECK(plant.turbine_start(0) == sim::CommandResult::kAccepted);  // its bus is live

  sim::Plant spent(battery_island_site(), sim::PlantOptions{0.01, 5});
  spent.set_breaker_closed(false);
  spent.set_battery_soc(0.1);  // at soc_min
  spent.step();
  CHECK(spent.state().blackout);
  CHECK(spent.turbine_start(0) == sim::CommandResult::kNotPermitted);
}

TEST_CASE("island bus: the solve meets its own balance equation exactly",
          "[sim][island][numerics]") {
  sim::IslandBusInputs in;
  in.dt_s = 0.05;
  in.speed_pu = 0.995;
  in.mechanical_mw = 40;
  in.rotor_inertia_mws = 3 * 66;
  in.load_mw = 55;
  in.damping_mw_per_pu = 12;
  in.battery_forming = true;
  in.battery_setpoint_mw = 2;
  in.battery_droop_mw_per_pu = 20 / 0.01;
  in.battery_inertia_mws = 2 * 2 * 20;
  in.battery_max_discharge_mw = 20;
  in.battery_max_charge_mw = 20;
  const sim::IslandBusStep s = sim::solve_island_bus(in);
  const double dw = s.speed_pu - in.speed_pu;
  const double battery_mw = 2 + 2000 * (1 - s.speed_pu) - 80 * dw / 0.05;
  CHECK(s.battery_mw == Approx(battery_mw).margin(1e-9));
  CHECK(40 + s.battery_mw ==
        Approx(55 + 12 * (s.speed_pu - 1) + 2 * 198 * 0.995 * dw / 0.05).margin(1e-9));
  // At its limit the battery gives its limit and the rotors carry the rest.
  in.battery_max_discharge_mw = 5;
  const sim::IslandBusStep limited = sim::solve_island_bus(in);
  CHECK(limited.battery_limited);
  CHECK(limited.battery_mw == 5);
  const double dw2 = limited.speed_pu - in.speed_pu;
  CHECK(40 + 5 ==
        Approx(55 + 12 * (limited.speed_pu - 1) + 2 * 198 * 0.995 * dw2 / 0.05).margin(1e-9));
}

TEST_CASE("island: units alone under training swings hold the mean frequency and do not wind up",
          "[sim][island][governor]") {
  // Six units (99 MW) carry a training job that swings 24 MW every 2 s: faster than
  // their valves' 0.1 pu/s can follow, so the valves spend much of each swing at
  // their rate limit. An isochronous integral that kept integrating then would wind
  // up into a growing oscillation and an over-frequency trip; a healthy one keeps
  // the swing bounded and the mean frequency at nominal.
  const std::string training = R"(
[[pod_group]]
name = "train"
count = 40
gpus_per_pod = 1000
priority = "training"
workload = "training"
job = "frontier"
compute_w_per_gpu = 1050
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 450
iteration_period_s = 2.0
compute_fraction = 0.7
cap_actuation_lag_s = 0.5
starts_running = true
)";
  std::string toml = test::island_site_with_pods(training);
  site::Site s = test::load(toml);
  s.turbine_groups[0].count = 6;
  s.island.governor = site::IslandGovernor::kIsochronous;
  sim::Plant plant(s, sim::PlantOptions{0.01, 11});
  const double mean_mw = 40 * (0.7 * 1.05 + 0.3 * 0.45);  // 34.8 MW
  for (int u = 0; u < 6; ++u)
    plant.set_turbine_online(u, mean_mw / 6);
  plant.set_breaker_closed(false);
  double early_swing_hz = 0, late_swing_hz = 0, late_sum_hz = 0;
  int late_steps = 0;
  for (int i = 0; i < 60000; ++i) {  // 600 s
    plant.step();
    REQUIRE(plant.state().units_online == 6);
    const double hz = plant.state().frequency_hz;
    if (plant.time_s() > 60 && plant.time_s() <= 120)
      early_swing_hz = std::max(early_swing_hz, std::fabs(hz - 60));
    if (plant.time_s() > 300) {
      late_swing_hz = std::max(late_swing_hz, std::fabs(hz - 60));
      late_sum_hz += hz;
      ++late_steps;
    }
  }
  CHECK(late_swing_hz <= early_swing_hz + 0.05);  // bounded, not growing
  CHECK(late_swing_hz < 1.0);
  CHECK(late_sum_hz / late_steps == Approx(60).margin(0.02));
}
