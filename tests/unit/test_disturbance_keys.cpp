// The keys of grid disturbances and ride-through: [pod_group.ups] in the site
// file, and frequency_excursion's and voltage_sag's event keys in a scenario.
#include <catch2/catch.hpp>

#include <string>

#include "sim/scenario.hpp"
#include "site/load.hpp"
#include "test_sites.hpp"

namespace {

site::LoadResult site_with_ups(const std::string& keys) {
  return site::load_site_string(test::island_site_toml(1, "droop", "[pod_group.ups]\n" + keys),
                                "t.toml");
}

const std::string kSite = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";

sim::ScenarioLoad scenario_with(const std::string& event) {
  return sim::load_scenario_string("[scenario]\nname = \"t\"\nsite = \"" + kSite +
                                       "\"\nduration_s = 600\n[[event]]\nat_s = 10\n" + event,
                                   "x.toml");
}

const site::Diagnostic& only_error(const sim::ScenarioLoad& r) {
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(r.errors.size() == 1);
  return r.errors.front();
}

}  // namespace

TEST_CASE("a pod group's UPS defaults to the documented settings", "[site][ups]") {
  const site::Site s = test::load(test::island_site_toml(1, "droop"));
  const site::PodUps& u = s.pod_groups[0].ups;
  CHECK(u.enabled);
  CHECK(u.psu_hold_up_s == 0.020);  // ORv3 PSU at full load
  CHECK(u.transfer_below_pu == 0.85);
  CHECK(u.dip_threshold_pu == 0.9);
  CHECK(u.transfer_after_dips == 3);
  CHECK(u.dip_window_s == 60);
  CHECK(u.battery_s == 240);  // ORv3 BBU at full load
}

TEST_CASE("[pod_group.ups] keys are read and checked", "[site][ups]") {
  const site::LoadResult ok = site_with_ups(
      "psu_hold_up_s = 0.016\ntransfer_after_dips = 2\ndip_window_s = 30\nbattery_s = 300\n"
      "return_delay_s = 600\nreturn_stagger_s = 0\nenabled = true\n");
  for (const auto& d : ok.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(ok.site);
  const site::PodUps& u = ok.site->pod_groups[0].ups;
  CHECK(u.psu_hold_up_s == 0.016);
  CHECK(u.transfer_after_dips == 2);
  CHECK(u.dip_window_s == 30);
  CHECK(u.battery_s == 300);
  CHECK(u.return_delay_s == 600);
  CHECK(u.return_stagger_s == 0);

  const site::LoadResult inverted = site_with_ups("transfer_below_pu = 0.95\n");
  REQUIRE(inverted.errors.size() == 1);
  CHECK(inverted.errors[0].key == "pod_group[0].ups.transfer_below_pu");
  CHECK_THAT(inverted.errors[0].message, Catch::Contains("must count as a dip"));

  const site::LoadResult many = site_with_ups("transfer_after_dips = 40\n");
  REQUIRE(many.errors.size() == 1);
  CHECK(many.errors[0].key == "pod_group[0].ups.transfer_after_dips");
  CHECK_THAT(many.errors[0].message, Catch::Contains("16"));

  const site::LoadResult empty = site_with_ups("battery_s = 0\n");
  REQUIRE(empty.errors.size() == 1);
  CHECK(empty.errors[0].key == "pod_group[0].ups.battery_s");

  const site::LoadResult typo = site_with_ups("hold_up_s = 0.02\n");
  REQUIRE(typo.errors.size() == 1);
  CHECK_THAT(typo.errors[0].message, Catch::Contains("psu_hold_up_s"));
}

TEST_CASE("frequency_excursion takes an optional RoCoF, 1 Hz/s when absent", "[scenario]") {
  const auto old = scenario_with("type = \"frequency_excursion\"\nhz = 59.85\nduration_s = 60\n");
  REQUIRE(old.scenario);
  CHECK(old.scenario->events[0].rocof_hz_per_s == 1.0);
  const auto given = scenario_with(
      "type = \"frequency_excursion\"\nhz = 59.85\nduration_s = 60\nrocof_hz_per_s = 0.25\n");
  REQUIRE(given.scenario);
  CHECK(given.scenario->events[0].rocof_hz_per_s == 0.25);
  const auto step = scenario_with(
      "type = \"frequency_excursion\"\nhz = 59.85\nduration_s = 60\nrocof_hz_per_s = 0\n");
  const site::Diagnostic& d = only_error(step);
  CHECK(d.key == "event[0].rocof_hz_per_s");
  CHECK(d.line == 10);
  CHECK_THAT(d.message, Catch::Contains("1 Hz/s"));
}

TEST_CASE("voltage_sag reads a dip train and its kind", "[scenario]") {
  const auto train = scenario_with(
      "type = \"voltage_sag\"\npu = 0.3\nduration_s = 0.1\ncount = 6\ninterval_s = 15\n"
      "kind = \"phase_to_ground\"\n");
  for (const auto& d : train.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(train.scenario);
  const sim::Event& e = train.scenario->events[0];
  CHECK(e.count == 6);
  CHECK(e.interval_s == 15);
  CHECK(e.dip_kind == sim::DipKind::kPhaseToGround);
  const auto one = scenario_with("type = \"voltage_sag\"\npu = 0.5\nduration_s = 2\n");
  REQUIRE(one.scenario);
  CHECK(one.scenario->events[0].count == 1);
  CHECK(one.scenario->events[0].dip_kind == sim::DipKind::kThreePhase);
}

TEST_CASE("a bad dip train is refused with where and what is allowed", "[scenario]") {
  const auto no_interval =
      scenario_with("type = \"voltage_sag\"\npu = 0.3\nduration_s = 0.1\ncount = 3\n");
  const site::Diagnostic& a = only_error(no_interval);
  CHECK(a.key == "event[0].interval_s");
  CHECK_THAT(a.message, Catch::Contains("required"));

  const auto overlap = scenario_with(
      "type = \"voltage_sag\"\npu = 0.3\nduration_s = 2\ncount = 3\ninterval_s = 1.5\n");
  const site::Diagnostic& b = only_error(overlap);
  CHECK(b.key == "event[0].interval_s");
  CHECK(b.line == 11);
  CHECK_THAT(b.message, Catch::Contains("must not overlap"));

  const auto kind =
      scenario_with("type = \"voltage_sag\"\npu = 0.3\nduration_s = 0.1\nkind = \"two_phase\"\n");
  const site::Diagnostic& c = only_error(kind);
  CHECK(c.key == "event[0].kind");
  CHECK_THAT(c.message, Catch::Contains("phase_to_ground"));
  CHECK_THAT(c.message, Catch::Contains("three_phase"));

  const auto zero =
      scenario_with("type = \"voltage_sag\"\npu = 0.3\nduration_s = 0.1\ncount = 0\n");
  CHECK(only_error(zero).key == "event[0].count");
}

TEST_CASE("every [pod_group.ups] key shapes the canonical model a hot-standby pair hashes",
          "[site][ups]") {
  const site::Site base = test::load(test::island_site_toml(1, "droop"));
  const std::string text = site::canonical_model(base);
  const auto differs = [&](void (*change)(site::PodUps&)) {
    site::Site other = base;
    change(other.pod_groups[0].ups);
    return site::canonical_model(other) != text;
  };
  CHECK(differs([](site::PodUps& u) { u.enabled = false; }));
  CHECK(differs([](site::PodUps& u) { u.psu_hold_up_s = 0.01; }));
  CHECK(differs([](site::PodUps& u) { u.transfer_below_pu = 0.8; }));
  CHECK(differs([](site::PodUps& u) { u.dip_threshold_pu = 0.95; }));
  CHECK(differs([](site::PodUps& u) { u.transfer_after_dips = 2; }));
  CHECK(differs([](site::PodUps& u) { u.dip_window_s = 30; }));
  CHECK(differs([](site::PodUps& u) { u.battery_s = 300; }));
  CHECK(differs([](site::PodUps& u) { u.return_delay_s = 60; }));
  CHECK(differs([](site::PodUps& u) { u.return_stagger_s = 0; }));
  CHECK(differs([](site::PodUps& u) { u.recharge_pu = 0.2; }));
}
