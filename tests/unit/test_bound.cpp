// The perfect-foresight bound (docs/bound.md) against closed forms on small sites
// whose answer is arithmetic, and against the controller: no run may leave less GPU
// energy undelivered than the bound says any controller must.
#include <catch2/catch.hpp>

#include <string>

#include "perfect_foresight.hpp"
#include "scenario_file.hpp"
#include "test_sites.hpp"

namespace {

// 40 MW of steady batch pods, no facility overhead, a 30 MW contract, two 16.5 MW
// units; `extra` is appended (a [battery] table).
site::Site forty_mw_site(const std::string& extra = "") {
  std::string toml = test::island_site_toml(2, "droop", extra);
  const std::string from = "import_contract_mw = 100";
  toml.replace(toml.find(from), from.size(), "import_contract_mw = 30");
  return test::load(toml);
}

sim::Scenario one_hour() {
  sim::Scenario s;
  s.name = "one hour";
  s.duration_s = 3600;
  s.step_s = 0.1;
  return s;
}

// The permit's starts all used: no unit can come.
sim::Scenario no_starts(sim::Scenario s) {
  s.permit_usage.starts_per_unit = 22;
  return s;
}

double bound_mwh(const sim::Scenario& s, const site::Site& site) {
  const bound::BoundResult b = bound::perfect_foresight_bound(s, site, {});
  INFO(b.problem);
  REQUIRE(b.solved);
  return b.not_delivered_mwh;
}

sim::Event event(double at_s, sim::EventType type) {
  sim::Event e;
  e.at_s = at_s;
  e.type = type;
  return e;
}

const char* kBattery = R"(
[battery]
power_mw = 20
energy_mwh = 4
round_trip_efficiency_pu = 0.81
soc_min_pu = 0
soc_max_pu = 1
initial_soc_pu = 1
)";

}  // namespace

TEST_CASE("bound: on the grid alone it sheds what the contract cannot carry", "[bound]") {
  const site::Site site = forty_mw_site();
  const bound::BoundResult b = bound::perfect_foresight_bound(no_starts(one_hour()), site, {});
  REQUIRE(b.solved);
  CHECK(b.it_demand_mwh == Approx(40.0).epsilon(1e-3));  // 40 pods x 1,000 GPUs x 1 kW, 1 h
  CHECK(b.not_delivered_mwh == Approx(40.0 - 30.0).epsilon(1e-3));
  CHECK(b.intervals == 360);
}

TEST_CASE("bound: a full battery gives its energy less its one-way loss", "[bound]") {
  // 4 MWh at 0.9 one way (0.81 round trip) delivers 3.6 MWh, within its 20 MW.
  CHECK(bound_mwh(no_starts(one_hour()), forty_mw_site(kBattery)) ==
        Approx(10.0 - 3.6).epsilon(1e-3));
}

TEST_CASE("bound: units that may start carry the shortfall once their start sequence ends",
          "[bound]") {
  // Both start at once: 300 s to the bus, then 0.2 pu/min each (the setpoint ramp on the
  // grid), 6.6 MW/min together, up to the 10 MW short: 90.9 s. Shed 10 MW for 300 s,
  // then a shed falling linearly to zero over the ramp: 10/12 + 10 x 90.9 / 2 / 3600 MWh.
  const double ramp_s = 10.0 / (2 * 16.5 * 0.2 / 60.0);
  const double expected = 10.0 * 300 / 3600 + 10.0 * ramp_s / 2 / 3600;
  CHECK(bound_mwh(one_hour(), forty_mw_site()) == Approx(expected).epsilon(0.01));
}

TEST_CASE("bound: an island of two online units sheds what they cannot carry", "[bound]") {
  sim::Scenario s = no_starts(one_hour());
  s.initial.turbines_online = {{0, 16.5}, {1, 16.5}};
  s.events.push_back(event(0, sim::EventType::kGridOutage));
  CHECK(bound_mwh(s, forty_mw_site()) == Approx(40.0 - 33.0).epsilon(1e-3));
}

TEST_CASE("bound: the NOx left limits the units' energy at their least NOx per MWh", "[bound]") {
  // 40 CFR 60 Appendix A, Method 19: NOx ppm x 1.194e-7 lb/scf/ppm x Fd 8,710 dscf/MMBtu
  // x 20.9 / (20.9 - 15) at 15 % O2; 25 ppm gives 0.0921 lb/MMBtu. At the full-load heat
  // rate of 10,280 Btu/kWh (the default; the fuel curve is concave, so full load is its
  // least fuel per MWh) a MWh costs 10.28 MMBtu.
  const double kg_per_mmbtu = 25 * 1.194e-7 * 8710 * 20.9 / (20.9 - 15) * 0.45359237;
  const double kg_per_mwh = 10.28 * kg_per_mmbtu;
  const double left_kg = 10.0 * kg_per_mwh;  // enough for 10 MWh
  sim::Scenario s = no_starts(one_hour());
  s.initial.turbines_online = {{0, 16.5}, {1, 16.5}};
  s.events.push_back(event(0, sim::EventType::kGridOutage));
  s.permit_usage.nox_short_tons = 87 - left_kg / site::kKgPerShortTon;
  CHECK(bound_mwh(s, forty_mw_site()) == Approx(40.0 - 10.0).epsilon(2e-3));
}

TEST_CASE("bound: a grid outage in the middle costs what the island lacks, for as long",
          "[bound]") {
  // No units, the battery full: 10 MW short on the grid for 1 h is 10 MWh; an outage of
  // 15 min makes the site 40 MW short for those 15 min (10 MWh) less what the battery
  // gives (3.6 MWh), and the grid's share falls by the same 15 min x 10 MW (2.5 MWh).
  sim::Scenario s = no_starts(one_hour());
  s.events.push_back(event(1200, sim::EventType::kGridOutage));
  s.events.push_back(event(2100, sim::EventType::kGridReturn));
  const double expected = 10.0 * 0.75 + 40.0 * 0.25 - 3.6;
  CHECK(bound_mwh(s, forty_mw_site(kBattery)) == Approx(expected).epsilon(1e-3));
}

TEST_CASE("bound: no run of this controller leaves less GPU energy undelivered than the bound",
          "[bound][scenario-run]") {
  for (const char* file : {"grid-outage.toml", "outage-low-battery.toml", "outage-nox-spent.toml",
                           "blackout-and-return.toml", "permit-nearly-spent.toml"}) {
    const sim::ScenarioLoad loaded = test::load_scenario(file);
    const double bound = bound_mwh(*loaded.scenario, *loaded.site);
    const scenario::RunResult r =
        scenario::run_scenario(*loaded.scenario, *loaded.site, scenario::RunOptions{});
    INFO(file << ": not delivered " << r.not_delivered_mwh() << " MWh, bound " << bound);
    CHECK(bound <= r.not_delivered_mwh() + 1e-6);
  }
}
