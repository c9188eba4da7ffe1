// The GGOV1-style governor, the unit's protection, its fuel curve and its emissions,
// each against a closed form or a documented setting computed here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/turbine.hpp"
#include "site/load.hpp"
#include "test_sites.hpp"

namespace {

site::TurbineGroup unit_params() {
  site::TurbineGroup g;
  g.name = "gt";
  g.rating_mw = 16.5;
  return g;  // every other field at its documented default
}

constexpr double kDt = 0.01;

// Method 19 by hand (40 CFR 60 App. A): lb/MMBtu = ppm * 1.194e-7 * Fd * 20.9 / (20.9 - 15).
double kg_per_mmbtu(double ppm) {
  return ppm * 1.194e-7 * 8710 * 20.9 / 5.9 / 2.2046226218;
}

// Full-load fuel of the 16.5 MW unit at 10,280 Btu/kWh.
constexpr double kFullMmbtuPerH = 16.5 * 1000 * 10280 * 1e-6;

}  // namespace

TEST_CASE("the documented protection and governor defaults", "[sim][turbine][governor]") {
  const site::TurbineGroup g;
  CHECK(g.valve_open_rate_pu_per_s == 0.1);   // GGOV1 Ropen
  CHECK(g.valve_close_rate_pu_per_s == 0.1);  // GGOV1 -Rclose
  CHECK(g.load_limit_pu == 1.0);
  CHECK(g.overspeed_trip_pu == 1.10);
  CHECK(g.overfrequency_trip_hz == 61.8);  // PRC-024 no-trip zone edge
  CHECK(g.overfrequency_trip_s == 0.5);
  CHECK(g.heat_rate_half_load_pu == 1.30);
  CHECK(g.part_load_nox_ppm == 150);  // KKKK Table 1, <= 30 MW below 75 % load
}

TEST_CASE("the fuel valve never moves faster than its opening and closing rates",
          "[sim][turbine][governor]") {
  for (const double dt : {0.01, 0.1}) {
    CAPTURE(dt);
    const site::TurbineGroup g = unit_params();
    sim::Turbine t(g);
    t.force_online(8.25);
    const double open_step = g.valve_open_rate_pu_per_s * dt;
    const double close_step = g.valve_close_rate_pu_per_s * dt;
    // 58.2 Hz asks for 0.75 pu more than the reference (droop 4 %): the valve opens.
    double valve = t.valve_pu(), pm = t.mechanical_mw() / 16.5, fastest = 0;
    for (int i = 0; i < static_cast<int>(20 / dt); ++i) {
      t.step(dt, 0.97, 0.0, 58.2);
      REQUIRE(t.valve_pu() - valve <= open_step * (1 + 1e-9));
      REQUIRE(t.valve_pu() - valve >= -1e-12);
      REQUIRE(std::abs(t.mechanical_mw() / 16.5 - pm) <= open_step * (1 + 1e-9));
      fastest = std::max(fastest, t.valve_pu() - valve);
      valve = t.valve_pu();
      pm = t.mechanical_mw() / 16.5;
    }
    CHECK(fastest == Approx(open_step).epsilon(1e-9));  // the limit, not a slower lag
    CHECK(valve == Approx(1.0).margin(1e-6));
    // 61.5 Hz (below the 61.8 Hz relay) asks for 0.5 - 0.625 < 0: no load.
    double closed_at_s = -1;
    fastest = 0;
    for (int i = 1; i <= static_cast<int>(40 / dt); ++i) {
      t.step(dt, 1.025, 0.0, 61.5);
      REQUIRE(valve - t.valve_pu() <= close_step * (1 + 1e-9));
      REQUIRE(std::abs(t.mechanical_mw() / 16.5 - pm) <= close_step * (1 + 1e-9));
      fastest = std::max(fastest, valve - t.valve_pu());
      valve = t.valve_pu();
      pm = t.mechanical_mw() / 16.5;
      if (closed_at_s < 0 && valve <= 0.05) closed_at_s = i * dt;
    }
    CHECK(fastest == Approx(close_step).epsilon(1e-9));
    // From full to 5 % at 0.1 pu/s is at least 9.5 s.
    CHECK(closed_at_s >= 0.95 / g.valve_close_rate_pu_per_s - dt);
    CHECK(t.state() == sim::TurbineState::kOnline);
    CHECK(t.mechanical_mw() < 0.01 * 16.5);  // down to no load, below minimum stable load
  }
}

TEST_CASE("a deep under-frequency never drives a unit past its rating or its load limit",
          "[sim][turbine][governor]") {
  for (const double ldref : {1.0, 0.9}) {
    CAPTURE(ldref);
    site::TurbineGroup g = unit_params();
    g.load_limit_pu = ldref;
    sim::Turbine t(g);
    t.force_online(8.25);
    // 57.6 Hz: droop asks for 1 pu more than the reference, above the 57 Hz relay.
    for (int i = 0; i < static_cast<int>(300 / kDt); ++i) {
      t.step(kDt, 0.96, 0.0, 57.6);
      REQUIRE(t.mechanical_mw() <= 16.5 * (1 + 1e-12));
      REQUIRE(t.state() == sim::TurbineState::kOnline);
    }
    // The limiter's PI holds the lagged exhaust signal, hence the output, at Ldref.
    CHECK(t.mechanical_mw() == Approx(ldref * 16.5).epsilon(1e-3));
  }
}

TEST_CASE("over-speed trips at once at its setting, and not below it",
          "[sim][turbine][protection]") {
  const site::TurbineGroup g = unit_params();
  {
    sim::Turbine t(g);
    t.force_online(10);
    for (int i = 0; i < 1000; ++i)  // 10 s just under; the frequency relay kept out
      t.step(kDt, g.overspeed_trip_pu - 1e-4, 0.0, 60.0);
    CHECK(t.state() == sim::TurbineState::kOnline);
    t.step(kDt, g.overspeed_trip_pu, 0.0, 60.0);
    CHECK(t.state() == sim::TurbineState::kTripped);
    CHECK(t.trip_cause() == sim::TripCause::kOverspeed);
    CHECK(t.mechanical_mw() == 0);
    CHECK(t.electrical_mw() == 0);
    CHECK(std::string(sim::to_string(t.trip_cause())) == "overspeed");
  }
}

TEST_CASE("over-frequency trips after its delay at its setting, and not below it",
          "[sim][turbine][protection]") {
  const site::TurbineGroup g = unit_params();
  {
    sim::Turbine t(g);
    t.force_online(10);
    for (int i = 0; i < 6000; ++i)  // a minute 10 mHz under the setting
      t.step(kDt, 1.0, 0.0, g.overfrequency_trip_hz - 0.01);
    CHECK(t.state() == sim::TurbineState::kOnline);
  }
  sim::Turbine t(g);
  t.force_online(10);
  double tripped_at_s = -1;
  for (int i = 1; i <= 200 && tripped_at_s < 0; ++i) {
    t.step(kDt, 1.0, 0.0, g.overfrequency_trip_hz);
    if (t.state() == sim::TurbineState::kTripped) tripped_at_s = i * kDt;
  }
  CHECK(tripped_at_s == Approx(g.overfrequency_trip_s).margin(kDt * 1.01));
  CHECK(t.trip_cause() == sim::TripCause::kOverfrequency);
  CHECK(std::string(sim::to_string(t.trip_cause())) == "overfrequency");
}

// One unit alone on its bus, the swing equation integrated here: 2H dw/dt = Pm - Pe.
namespace {
struct Rejection {
  bool tripped = false;
  sim::TripCause cause = sim::TripCause::kNone;
  double max_speed = 1.0;
  double final_speed = 1.0;
};

Rejection reject_load(double to_pu, double seconds) {
  const site::TurbineGroup g = unit_params();
  sim::Turbine t(g);
  t.force_online(16.5);
  double w = 1.0;
  Rejection r;
  for (int i = 0; i < static_cast<int>(seconds / kDt); ++i) {
    t.step(kDt, w, 0.0, w * 60);
    if (!t.breaker_closed()) {
      r.tripped = true;
      r.cause = t.trip_cause();
      break;
    }
    const double pe_pu = to_pu;  // constant-power load
    t.set_electrical_mw(pe_pu * 16.5);
    w += (t.mechanical_mw() / 16.5 - pe_pu) / (2 * g.inertia_h_s) * kDt;
    r.max_speed = std::max(r.max_speed, w);
  }
  r.final_speed = w;
  return r;
}
}  // namespace

TEST_CASE("a load rejection settles on droop or trips, as the settings say",
          "[sim][turbine][protection]") {
  const site::TurbineGroup g = unit_params();
  SECTION("5 %: the valve closes in time; speed settles on the droop line") {
    const Rejection r = reject_load(0.95, 120);
    CHECK_FALSE(r.tripped);
    // Droop steady state: 1 - w = R (P - ref) with ref 1 pu and P 0.95 pu.
    CHECK(r.final_speed == Approx(1 + g.droop_pu * 0.05).epsilon(1e-5));
    CHECK(r.max_speed * 60 < g.overfrequency_trip_hz);
  }
  SECTION("80 %: at 0.1 pu/s the fuel cannot follow; the unit trips") {
    const Rejection r = reject_load(0.2, 30);
    CHECK(r.tripped);
    // The rotor passes the relay's 61.8 Hz within about 0.25 s (0.8 pu on 2H = 6 s is
    // 0.13 pu/s); the relay's 0.5 s and 110 % speed come close together after it.
    CHECK((r.cause == sim::TripCause::kOverfrequency || r.cause == sim::TripCause::kOverspeed));
    CHECK(r.max_speed >= g.overfrequency_trip_hz / 60);
    CHECK(r.max_speed <= g.overspeed_trip_pu + 0.8 / (2 * g.inertia_h_s) * kDt);
  }
}

TEST_CASE("electrical output is the plant's share, 0 with the breaker open", "[sim][turbine]") {
  sim::Turbine t(unit_params());
  CHECK(t.electrical_mw() == 0);
  t.force_online(12);
  CHECK(t.electrical_mw() == 12);  // before the plant sets it: the mechanical output
  t.set_electrical_mw(13.1);       // the rotor gives up 1.1 MW for a moment
  CHECK(t.electrical_mw() == 13.1);
  CHECK(t.mechanical_mw() == 12);
  t.trip(sim::TripCause::kCommanded);
  CHECK(t.electrical_mw() == 0);
}

TEST_CASE("the part-load heat rate follows the quadratic fuel curve", "[sim][turbine][fuel]") {
  const site::TurbineGroup g = unit_params();
  // By hand: F(p) = nl + b p + c p^2, c = 2 (1 + nl - r), b = 1 - nl - c.
  const double nl = g.no_load_fuel_pu, r = g.heat_rate_half_load_pu;
  const double c = 2 * (1 + nl - r), b = 1 - nl - c;
  const double full_heat_rate = kFullMmbtuPerH / 16.5;
  for (const double p : {0.5, 0.75, 1.0, 0.25}) {
    CAPTURE(p);
    sim::Turbine t(g);
    t.force_online(p * 16.5);
    const double heat_rate = t.fuel_mmbtu_per_h() / (p * 16.5);
    CHECK(heat_rate / full_heat_rate == Approx((nl + b * p + c * p * p) / p).epsilon(1e-12));
  }
  sim::Turbine half(g);
  half.force_online(8.25);
  CHECK(half.fuel_mmbtu_per_h() / 8.25 / full_heat_rate == Approx(1.30).epsilon(1e-12));
  // r = 1 + nl is the old straight line through no-load and full-load fuel.
  site::TurbineGroup linear = g;
  linear.heat_rate_half_load_pu = 1 + nl;
  sim::Turbine l(linear);
  l.force_online(0.3 * 16.5);
  CHECK(l.fuel_mmbtu_per_h() == Approx(kFullMmbtuPerH * (nl + (1 - nl) * 0.3)).epsilon(1e-12));
}

TEST_CASE("NOx is higher below the low-NOx range and during start-up; start-ups are counted",
          "[sim][turbine][emissions]") {
  const site::TurbineGroup g = unit_params();
  SECTION("above and below the DLE threshold") {
    for (const double p : {0.4, 0.5, 1.0}) {
      CAPTURE(p);
      sim::Turbine t(g);
      t.force_online(p * 16.5);
      for (int i = 0; i < 100; ++i)
        t.step(kDt, 1.0, 0.0, 60.0);
      const double ppm = p < g.low_nox_min_load_pu ? 150 : 25;
      CHECK(t.nox_ppm_now() == ppm);
      CHECK(t.counters().nox_kg / t.counters().fuel_mmbtu ==
            Approx(kg_per_mmbtu(ppm)).epsilon(1e-9));
      CHECK(t.counters().startup_fuel_mmbtu == 0);
    }
  }
  SECTION("a start burns no-load fuel from ignition at the part-load NOx") {
    sim::Turbine t(g);
    REQUIRE(t.start(false) == sim::CommandResult::kAccepted);
    const int steps = static_cast<int>(299.5 / kDt);  // purge 60 s, then 240 s firing
    for (int i = 0; i < steps; ++i) {
      t.step(kDt, 1.0, 0.0, 60.0);
      if (t.state() == sim::TurbineState::kAccelerating) REQUIRE(t.nox_ppm_now() == 150);
    }
    REQUIRE(t.state() == sim::TurbineState::kSynchronising);
    // 239.5 s at no-load fuel (20 % of full) so far, all of it start-up fuel.
    const double fuel = g.no_load_fuel_pu * kFullMmbtuPerH * 239.5 / 3600;
    CHECK(t.counters().startup_fuel_mmbtu == Approx(fuel).epsilon(kDt / 239.5));
    CHECK(t.counters().fuel_mmbtu == t.counters().startup_fuel_mmbtu);
    CHECK(t.counters().startup_nox_kg ==
          Approx(t.counters().startup_fuel_mmbtu * kg_per_mmbtu(150)).epsilon(1e-9));
    // Loading (up to minimum stable load, 150 s at 0.2 pu/min) still counts as start-up;
    // online, at 50 % and above, the counters stop.
    for (int i = 0; i < static_cast<int>(200 / kDt); ++i)
      t.step(kDt, 1.0, 0.0, 60.0);
    REQUIRE(t.state() == sim::TurbineState::kOnline);
    const double startup = t.counters().startup_fuel_mmbtu, total = t.counters().fuel_mmbtu;
    CHECK(startup > fuel);
    for (int i = 0; i < 1000; ++i)
      t.step(kDt, 1.0, 0.0, 60.0);
    CHECK(t.counters().startup_fuel_mmbtu == startup);
    CHECK(t.counters().fuel_mmbtu > total);
    CHECK(t.nox_ppm_now() == 25);
  }
}

namespace {
// The island test site with `lines` added to its turbine group.
site::LoadResult load_with(const std::string& lines, const std::string& hz = "60") {
  std::string toml = test::island_site_toml(2, "droop");
  const std::string group = "cooldown_s = 600\n";
  toml.replace(toml.find(group), group.size(), group + lines + "\n");
  const std::string f = "nominal_frequency_hz = 60";
  toml.replace(toml.find(f), f.size(), "nominal_frequency_hz = " + hz);
  return site::load_site_string(toml, "t.toml");
}

// The one error's text, or "" when the site loaded.
std::string only_error(const site::LoadResult& r) {
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  if (r.site) return "";
  REQUIRE(r.errors.size() == 1);
  return r.errors.front().str();
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("the governor, protection and emission keys are checked, naming what is allowed",
          "[site][turbine]") {
  CHECK(only_error(load_with("valve_close_rate_pu_per_s = 0"))
            .find("turbine_group[0].valve_close_rate_pu_per_s") != std::string::npos);
  const std::string of = only_error(load_with("overfrequency_trip_hz = 59.5"));
  CHECK(has(of, "overfrequency_trip_hz"));
  CHECK(has(of, "above grid.nominal_frequency_hz"));
  CHECK(has(only_error(load_with("overspeed_trip_pu = 1.0")), "overspeed_trip_pu"));
  const std::string ll = only_error(load_with("load_limit_pu = 0.4"));
  CHECK(has(ll, "below min_stable_load_pu 0.5"));
  // With no-load fuel 0.2 the half-load heat rate must lie in (0.8, 1.6).
  const std::string hr = only_error(load_with("heat_rate_half_load_pu = 1.6"));
  CHECK(has(hr, "makes fuel fall"));
  CHECK(has(hr, "(0.8, 1.6)"));
  CHECK(only_error(load_with("heat_rate_half_load_pu = 1.59")).empty());
  // A no-load fuel of 0.9 rules out the default 1.3: (1.85, 1.95).
  CHECK(has(only_error(load_with("no_load_fuel_pu = 0.9")), "(the default)"));
  CHECK(has(only_error(load_with("part_load_nox_ppm = -1")), "part_load_nox_ppm"));
  CHECK(has(only_error(load_with("low_nox_min_load_pu = 1.5")), "low_nox_min_load_pu"));
}

TEST_CASE("the frequency relays' defaults scale to a 50 Hz grid", "[site][turbine]") {
  const site::LoadResult r50 = load_with("", "50");
  REQUIRE(r50.site);
  CHECK(r50.site->turbine_groups[0].overfrequency_trip_hz == Approx(61.8 * 50 / 60));
  CHECK(r50.site->turbine_groups[0].underfrequency_trip_hz == Approx(57.0 * 50 / 60));
  const site::LoadResult r60 = load_with("");
  REQUIRE(r60.site);
  CHECK(r60.site->turbine_groups[0].overfrequency_trip_hz == 61.8);
  CHECK(r60.site->turbine_groups[0].underfrequency_trip_hz == 57.0);
}
