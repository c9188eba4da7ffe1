// Grid disturbances: frequency excursions ramp at their RoCoF, voltage dips come
// in trains, and a phase-to-ground dip reads as symmetrical components say.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <complex>

#include "sim/grid.hpp"
#include "sim/plant.hpp"
#include "test_sites.hpp"

namespace {

constexpr double kDt = 0.01;

// Steps a bare grid connection and returns the frequency at each step.
std::vector<double> frequency_trace(double hz, double hold_s, double rocof, double seconds) {
  site::Grid g;
  sim::GridConnection grid(g);
  grid.frequency_excursion(hz, hold_s, rocof, 0.0);
  std::vector<double> f;
  for (int i = 0; i <= static_cast<int>(std::lround(seconds / kDt)); ++i) {
    grid.step(i * kDt, kDt);
    f.push_back(grid.frequency_hz());
  }
  return f;
}

}  // namespace

TEST_CASE("a frequency excursion's RoCoF is the configured one at every step of its ramps",
          "[sim][grid]") {
  // 0.5 Hz at 0.5 Hz/s: 100 steps down, 200 held, 100 back up.
  sim::Plant plant(test::load(test::island_site_toml(1, "droop")), sim::PlantOptions{kDt, 3});
  plant.step();
  plant.frequency_excursion(59.5, 2.0, 0.5);
  int down = 0, up = 0, flat = 0, at_target = 0;
  double lowest = 60;
  for (int i = 0; i < 600; ++i) {
    plant.step();
    const double r = plant.state().rocof_hz_per_s;
    lowest = std::min(lowest, plant.state().frequency_hz);
    if (std::fabs(plant.state().frequency_hz - 59.5) < 1e-9) ++at_target;
    if (std::fabs(r + 0.5) < 1e-6) {
      ++down;
    } else if (std::fabs(r - 0.5) < 1e-6) {
      ++up;
    } else {
      INFO("step " << i << " RoCoF " << r);
      REQUIRE(std::fabs(r) < 1e-9);  // no other rate
      ++flat;
    }
  }
  CHECK(down == 100);
  CHECK(up == 100);
  CHECK(lowest == Approx(59.5).margin(1e-9));
  CHECK(plant.state().frequency_hz == Approx(60.0).margin(1e-12));
  CHECK(flat == 600 - 200);
  // Held at 59.5 Hz for the configured 2 s: 201 samples 10 ms apart, from the
  // ramp's last step to the next ramp's first.
  CHECK(at_target == 201);
}

TEST_CASE("a ramp that is not a whole number of steps keeps its rate and reaches its target",
          "[sim][grid]") {
  // 0.13 Hz at 0.3 Hz/s: 0.4333 s, so one step of each ramp is a partial one.
  const double r = 0.3, target = 59.87, hold = 1.0;
  const std::vector<double> f = frequency_trace(target, hold, r, 3.0);
  int full = 0, partial = 0;
  for (size_t i = 1; i < f.size(); ++i) {
    const double rate = std::fabs(f[i] - f[i - 1]) / kDt;
    INFO("step " << i << " rate " << rate);
    REQUIRE(rate <= r + 1e-9);
    if (std::fabs(rate - r) < 1e-9) {
      ++full;
    } else if (rate > 1e-9) {
      ++partial;
    }
  }
  // By hand: down from 0 to 0.4333 s, 43 whole steps and a partial one; held to
  // 1.4333 s; back up by 1.8667 s: a partial step to 1.44 s, 42 whole ones to
  // 1.86 s, and a partial one.
  CHECK(full == 43 + 42);
  CHECK(partial == 1 + 2);
  double travelled = 0;
  for (size_t i = 1; i < f.size(); ++i)
    travelled += std::fabs(f[i] - f[i - 1]);
  CHECK(travelled == Approx(2 * (60.0 - target)).epsilon(1e-9));
  CHECK(*std::min_element(f.begin(), f.end()) == Approx(target).margin(1e-12));
  CHECK(f.back() == 60.0);
}

TEST_CASE("old scenario calls without a RoCoF ramp at the documented 1 Hz/s", "[sim][grid]") {
  site::Grid g;
  sim::GridConnection grid(g);
  grid.frequency_excursion(59.8, 5.0, 0.0);  // no rate given
  grid.step(0, kDt);
  grid.step(kDt, kDt);
  CHECK((60.0 - grid.frequency_hz()) / kDt == Approx(sim::kDefaultRocofHzPerS).epsilon(1e-9));
  CHECK(sim::kDefaultRocofHzPerS == 1.0);
}

TEST_CASE("a dip train gives count dips of its duration, interval apart", "[sim][grid]") {
  site::Grid g;
  g.undervoltage_trip_s = 100;  // keep the breaker closed: the timing alone is under test
  sim::GridConnection grid(g);
  grid.voltage_dips(sim::VoltageDips{0.6, 0.1, 3, 1.5, sim::DipKind::kThreePhase}, 0.0);
  std::vector<int> starts;
  int low_steps = 0;
  bool was_low = false;
  for (int i = 0; i < 600; ++i) {
    grid.step(i * kDt, kDt);
    const bool low = grid.voltage_pu() < 1.0;
    if (low) {
      ++low_steps;
      CHECK(grid.voltage_pu() == 0.6);
    }
    if (low && !was_low) starts.push_back(i);
    was_low = low;
  }
  CHECK(low_steps == 3 * 10);
  REQUIRE(starts.size() == 3);
  CHECK(starts[0] == 0);
  CHECK(starts[1] == 150);
  CHECK(starts[2] == 300);
}

TEST_CASE("a phase-to-ground dip reads positive sequence at the POI and the lowest phase at the IT",
          "[sim][grid]") {
  // Independent truth: the phasors themselves. The faulted phase keeps v, the others
  // stay at 1; the IT behind a delta-wye transformer sees the line-to-line voltages
  // over sqrt(3).
  const std::complex<double> a = std::polar(1.0, 2.0 * std::acos(-1.0) / 3.0);
  for (double v : {0.0, 0.3, 0.6, 0.9}) {
    const std::complex<double> va = v, vb = a * a, vc = a;
    const double positive = std::abs(va + a * vb + a * a * vc) / 3.0;
    const double lowest_ll =
        std::min({std::abs(va - vb), std::abs(vb - vc), std::abs(vc - va)}) / std::sqrt(3.0);
    const sim::DipVoltages d = sim::dip_voltages(v, sim::DipKind::kPhaseToGround);
    INFO("retained " << v);
    CHECK(d.poi_pu == Approx(positive).epsilon(1e-12));
    CHECK(d.it_pu == Approx(lowest_ll).epsilon(1e-12));
    const sim::DipVoltages three = sim::dip_voltages(v, sim::DipKind::kThreePhase);
    CHECK(three.poi_pu == v);
    CHECK(three.it_pu == v);
  }
  // A bolted fault on one phase: the IT sees 1/sqrt(3), not zero.
  CHECK(sim::dip_voltages(0, sim::DipKind::kPhaseToGround).it_pu ==
        Approx(1 / std::sqrt(3.0)).epsilon(1e-12));
}
