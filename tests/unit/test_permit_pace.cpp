// The permit over a year: the start pace's closed form, the daily profile that
// prepares the battery for known peaks, and scenarios where the pace, not the
// per-unit budget or the NOx, is what holds a start back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../../firmware/core/src/daily_profile.hpp"
#include "scenario_file.hpp"
#include "site/load.hpp"
#include "site/permit_pace.hpp"

using test::load_scenario;
using test::log_count;
using test::require_invariants;

namespace {

site::Site colossus_100k() {
  const site::LoadResult r =
      site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  REQUIRE(r.errors.empty());
  return *r.site;
}

const scenario::Invariant* find(const scenario::RunResult& r, const std::string& name) {
  for (const scenario::Invariant& i : r.invariants)
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace

TEST_CASE("start pace: a day's share of the fleet's budget, carried over, a week ahead",
          "[permit-pace]") {
  site::Site s = colossus_100k();
  REQUIRE(site::fleet_start_budget(s) == 15 * 22);
  REQUIRE(s.controller.start_pace_credit_days == 7);
  // Day 0 releases its own share and seven days' credit: 330 x 8 / 365.
  CHECK(site::starts_allowed_by(s, 0.0) == Approx(330.0 * 8 / 365));
  CHECK(site::starts_allowed_by(s, 0.99) == Approx(330.0 * 8 / 365));
  // A share a day, released at the day's start.
  CHECK(site::starts_allowed_by(s, 100.5) == Approx(330.0 * 108 / 365));
  // Never more than the budget, however late in the year.
  CHECK(site::starts_allowed_by(s, 364.9) == Approx(330));
  CHECK(site::starts_allowed_by(s, 400) == Approx(330));
  s.controller.start_pace_credit_days = 0;
  CHECK(site::starts_allowed_by(s, 0.0) == Approx(330.0 / 365));
  // The year's end at a run's pace: 10 before, 2 in 7 days run up to day 107, so
  // 2 / 7 a day over the 258 days left.
  CHECK(site::projected_at_year_end(10, 2, 7, 107) == Approx(10 + 2 + 2.0 / 7 * 258));
  CHECK(site::projected_at_year_end(10, 0, 0, 107) == Approx(10));
}

TEST_CASE("permit year_start is a day every year has", "[permit-pace]") {
  const std::string path = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";
  const site::LoadResult plain = site::load_site_file(path);
  REQUIRE(plain.errors.empty());
  CHECK(plain.site->permit.year_start_month == 1);
  CHECK(plain.site->permit.year_start_day == 1);
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string anchor = "[permit]\n";
  REQUIRE(text.find(anchor) != std::string::npos);
  for (const auto& [value, ok] : std::vector<std::pair<std::string, bool>>{{"07-02", true},
                                                                           {"12-31", true},
                                                                           {"02-29", false},
                                                                           {"13-01", false},
                                                                           {"7-2", false},
                                                                           {"+7-02", false},
                                                                           {"04-31", false},
                                                                           {"00-10", false}}) {
    std::string t = text;
    t.insert(t.find(anchor) + anchor.size(), "year_start = \"" + value + "\"\n");
    const site::LoadResult r = site::load_site_string(t, "site.toml");
    INFO(value);
    CHECK(r.errors.empty() == ok);
    if (!ok) {
      REQUIRE(!r.errors.empty());
      CHECK(r.errors.front().key == "permit.year_start");
    }
  }
}

TEST_CASE("daily profile: a learned peak's energy and length, prepared for the next day",
          "[permit-pace]") {
  fw::DailyProfile p;
  const double dt = 10;
  // A day with 30 MW of need from 13:00 to 16:00, then the next day's first slot
  // (a slot is learned when the next begins).
  const auto need = [](double t) {
    const double h = std::fmod(t, 86400) / 3600;
    return h >= 13 && h < 16 ? 30.0 : 0.0;
  };
  for (double t = 0; t < 86400 + 900; t += dt)
    p.record(t, dt, need(t));
  REQUIRE(p.known());
  // From 12:00 of the next day: the peak ahead is 30 MW for three hours.
  const double noon = 86400 + 12 * 3600;
  fw::DailyProfile::Peak ahead = p.next_peak(noon, 86400, 0);
  CHECK(ahead.energy_mwh == Approx(90).margin(1e-6));
  CHECK(ahead.max_mw == Approx(30));
  // Beyond 10 MW covered, 20 MW of it; beyond 30 MW, nothing.
  CHECK(p.next_peak(noon, 86400, 10).energy_mwh == Approx(60).margin(1e-6));
  CHECK(p.next_peak(noon, 86400, 30).max_mw == 0);
  // In the peak at 14:30: the rest of it, 1.5 h.
  CHECK(p.next_peak(86400 + 14.5 * 3600, 86400, 0).energy_mwh == Approx(45).margin(1e-6));
  // Outside the horizon, not counted.
  CHECK(p.next_peak(noon, 1800, 0).max_mw == 0);
  // A quiet day lowers a learned peak by 30 %, a larger one replaces it at once.
  for (double t = 86400 + 900; t < 2 * 86400 + 900; t += dt)
    p.record(t, dt, 0);
  CHECK(p.need_mw(2 * 86400 + 14 * 3600) == Approx(21));
  for (double t = 2 * 86400 + 900; t < 3 * 86400 + 900; t += dt)
    p.record(t, dt, 2 * need(t));
  CHECK(p.need_mw(3 * 86400 + 14 * 3600) == Approx(60));
}

TEST_CASE("hard case: ahead of its start pace, a surge is carried without a start",
          "[permit-pace]") {
  const std::string file = "permit-ahead-of-pace.toml";
  sim::ScenarioLoad loaded = load_scenario(file);
  // Each unit has starts of its own left and the NOx is far from its cap: only
  // the pace holds a start back (150 used, 97.6 allowed by day 100).
  REQUIRE(loaded.scenario->permit_usage.starts_per_unit <
          loaded.site->permit.starts_per_unit_per_year);
  REQUIRE(15 * loaded.scenario->permit_usage.starts_per_unit >
          site::starts_allowed_by(*loaded.site, loaded.scenario->permit_usage.day_of_year));
  const scenario::RunResult r =
      scenario::run_scenario(*loaded.scenario, *loaded.site, scenario::RunOptions{});
  require_invariants(file, r);
  CHECK(r.kpis.turbine_starts == 0);
  CHECK(r.kpis.starts_beyond_pace == 0);
  CHECK(log_count(r, "start pace") == 1);  // said once
  // The cost, counted: the surge beyond what the battery held above its reserve.
  CHECK(r.kpis.curtailed_mwh > 0);
  // The conventional controller starts units: the invariant sees it.
  scenario::RunOptions baseline;
  baseline.controller = site::ControllerKind::kBaseline;
  const scenario::RunResult b = scenario::run_scenario(*loaded.scenario, *loaded.site, baseline);
  CHECK(b.kpis.turbine_starts > 0);
  const scenario::Invariant* pace = find(b, "start_pace");
  REQUIRE(pace != nullptr);
  CHECK_FALSE(pace->pass);
}

TEST_CASE("hard case: a deep sag that islands the site for a minute spends no start",
          "[permit-pace]") {
  const std::string file = "deep-sag.toml";
  const scenario::RunResult r = test::run_scenario(file);
  require_invariants(file, r);
  // It did island: the breaker opened on the sag and closed again.
  CHECK(log_count(r, "GridLost") == 1);
  CHECK(log_count(r, "BreakerClosed") == 1);
  CHECK(r.kpis.turbine_starts == 0);
}

namespace {

// The battery's state of charge at time t_s in a run's CSV (its columns by name).
double soc_at(const scenario::RunResult& r, double t_s) {
  std::istringstream in(r.csv);
  std::string line, cell;
  std::getline(in, line);
  int soc_col = -1;
  std::istringstream head(line);
  for (int col = 0; std::getline(head, cell, ','); ++col)
    if (cell == "battery_soc_pu") soc_col = col;
  REQUIRE(soc_col >= 0);
  double best_dt = 1e18, soc = -1;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::vector<std::string> cells;
    while (std::getline(row, cell, ','))
      cells.push_back(cell);
    const double dt = std::fabs(std::stod(cells[0]) - t_s);
    if (dt < best_dt) {
      best_dt = dt;
      soc = std::stod(cells[static_cast<size_t>(soc_col)]);
    }
  }
  return soc;
}

}  // namespace

TEST_CASE("hard case: daily surges beyond the battery: learned, pre-charged, starts paced",
          "[permit-pace]") {
  // The week's first three days (scenarios/week-daily-surge.toml runs all seven).
  sim::ScenarioLoad loaded = load_scenario("week-daily-surge.toml");
  sim::Scenario sc = *loaded.scenario;
  sc.duration_s = 3 * 86400;
  sc.events.erase(std::remove_if(sc.events.begin(), sc.events.end(),
                                 [&](const sim::Event& e) { return e.at_s >= sc.duration_s; }),
                  sc.events.end());
  REQUIRE(sc.events.size() == 3);
  scenario::RunOptions options;
  options.csv_interval_s = 60;
  const scenario::RunResult r = scenario::run_scenario(sc, *loaded.site, options);
  require_invariants("week-daily-surge.toml (3 days)", r);
  // Each surge takes more than the battery holds above its reserve at mid charge
  // ((0.525 - 0.4) x 600 = 75 MWh): on the first day, not yet learned, units start.
  const double surge_start_s = 13 * 3600.0;
  int first_day = 0, later = 0;
  for (const std::string& line : r.log)
    if (line.find("StartCmd") != std::string::npos)
      (std::stod(line.substr(line.find("t=") + 2)) < 86400 ? first_day : later) += 1;
  CHECK(first_day >= 1);
  // Learned, the battery is charged before the next surges from the contract the
  // morning leaves unused, and carries most of them: fewer starts on the two days
  // after than on the first, within the pace of 0.90 a day and its week ahead.
  CHECK(soc_at(r, surge_start_s) == Approx(0.525).margin(0.03));
  CHECK(soc_at(r, 86400 + surge_start_s - 60) > 0.7);
  CHECK(soc_at(r, 2 * 86400 + surge_start_s - 60) > 0.7);
  CHECK(later < first_day);
  CHECK(r.kpis.curtailed_mwh == 0);
}
