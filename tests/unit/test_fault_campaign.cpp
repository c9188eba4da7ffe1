// Property test: random sequences of credible faults on the 100k site, 200 seeds;
// every invariant holds. A failure prints the seed and the events that broke it.
#include <catch2/catch.hpp>

#include <sstream>

#include "scenario_run.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"
#include "site/load.hpp"

namespace {

constexpr double kDurationS = 1200;

// One fault at a time, at least four minutes apart: the credible contingencies
// the site is designed for, not a pile-up of them.
sim::Scenario random_scenario(const site::Site& s, std::uint64_t seed) {
  sim::Rng rng(seed * 7919 + 1);
  sim::Scenario sc;
  sc.name = "random faults, seed " + std::to_string(seed);
  sc.file = "(generated)";
  sc.duration_s = kDurationS;
  sc.seed = seed;
  sc.initial.battery_soc_pu = rng.uniform(0.45, 0.8);
  const int running = static_cast<int>(rng.uniform(0, 5));
  for (int u = 0; u < running; ++u)
    sc.initial.turbines_online.emplace_back(u, rng.uniform(9, 16));
  auto pick = [&](int n) { return static_cast<int>(rng.uniform() * n); };
  double t = rng.uniform(30, 120);
  while (t < kDurationS - 120) {
    sim::Event e;
    e.at_s = t;
    switch (pick(8)) {
      case 0: {
        e.type = sim::EventType::kGridOutage;
        sim::Event back;
        back.type = sim::EventType::kGridReturn;
        back.at_s = t + rng.uniform(120, 400);
        sc.events.push_back(e);
        e = back;
        t = back.at_s;
        break;
      }
      case 1:
        e.type = sim::EventType::kTurbineTrip, e.target = pick(std::max(1, running));
        break;
      case 2:
        e.type = sim::EventType::kFailToStart, e.target = pick(s.turbine_count());
        break;
      case 3:
        e.type = sim::EventType::kMeasurementFreeze;
        e.name = "poi.import_mw";
        e.target = 0;  // the first point is poi.import_mw (sim/measurements.cpp)
        e.duration_s = rng.uniform(60, 300);
        break;
      case 4:
        e.type = sim::EventType::kDeviceSilent;
        e.target = 1 + s.turbine_count() + pick(s.pod_count());  // poi, units, then pods
        e.duration_s = rng.uniform(60, 300);
        break;
      case 5:
        e.type = sim::EventType::kLoadSurge;
        e.value = rng.uniform(5, 40);
        e.duration_s = rng.uniform(120, 600);
        break;
      case 6:
        e.type = sim::EventType::kFrequencyExcursion, e.value = rng.uniform(59.85, 60.15),
        e.duration_s = rng.uniform(5, 60);
        break;
      default:
        e.type = sim::EventType::kJobStop;
        e.name = "research";
        sc.events.push_back(e);
        e.type = sim::EventType::kJobStart;
        e.at_s = t + rng.uniform(60, 300);
        t = e.at_s;
        break;
    }
    sc.events.push_back(e);
    t += rng.uniform(240, 420);
  }
  std::stable_sort(sc.events.begin(), sc.events.end(),
                   [](const sim::Event& a, const sim::Event& b) { return a.at_s < b.at_s; });
  return sc;
}

void campaign(std::uint64_t first, std::uint64_t count) {
  site::LoadResult loaded =
      site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  REQUIRE(loaded.site);
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const sim::Scenario sc = random_scenario(*loaded.site, seed);
    const scenario::RunResult r = scenario::run_scenario(sc, *loaded.site, {});
    if (r.all_pass()) continue;
    std::ostringstream why;
    why << "seed " << seed << " breaks an invariant; battery at "
        << sc.initial.battery_soc_pu.value_or(0) << ", " << sc.initial.turbines_online.size()
        << " units online; events:";
    for (const sim::Event& e : sc.events)
      why << "\n  t=" << e.at_s << " " << sim::to_string(e.type) << " target=" << e.target
          << " value=" << e.value << " duration=" << e.duration_s;
    for (const scenario::Invariant& i : r.invariants)
      if (!i.pass) why << "\n  FAIL " << i.name << ": " << i.detail;
    why << "\nwhat the controller did:";
    for (const std::string& line : r.log)
      if (line.find("scenario event") == std::string::npos) why << "\n  " << line;
    FAIL(why.str());
  }
}

}  // namespace

TEST_CASE("fault campaign, seeds 1-50: every invariant holds", "[campaign]") {
  campaign(1, 50);
}
TEST_CASE("fault campaign, seeds 51-100: every invariant holds", "[campaign]") {
  campaign(51, 50);
}
TEST_CASE("fault campaign, seeds 101-150: every invariant holds", "[campaign]") {
  campaign(101, 50);
}
TEST_CASE("fault campaign, seeds 151-200: every invariant holds", "[campaign]") {
  campaign(151, 50);
}
