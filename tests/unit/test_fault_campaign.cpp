// Fault campaigns: the scenario generator is deterministic, shards partition the
// seeds, result lines round-trip, and a first few seeds hold every invariant
// (the 1,000-seed campaign runs through plantctl in the integration tests).
#include <catch2/catch.hpp>

#include <set>

#include "fault_campaign.hpp"
#include "site/load.hpp"

namespace {
site::Site preset() {
  site::LoadResult loaded =
      site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  REQUIRE(loaded.site);
  return *loaded.site;
}
}  // namespace

TEST_CASE("a seed always makes the same fault scenario", "[campaign]") {
  const site::Site s = preset();
  const sim::Scenario a = scenario::random_fault_scenario(s, 42);
  const sim::Scenario b = scenario::random_fault_scenario(s, 42);
  const sim::Scenario c = scenario::random_fault_scenario(s, 43);
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    CHECK(a.events[i].at_s == b.events[i].at_s);
    CHECK(a.events[i].type == b.events[i].type);
  }
  bool differs = a.events.size() != c.events.size();
  for (std::size_t i = 0; !differs && i < a.events.size(); ++i)
    differs = a.events[i].at_s != c.events[i].at_s;
  CHECK(differs);
}

TEST_CASE("shards K/N partition the seeds: each seed in exactly one shard", "[campaign]") {
  for (int n : {1, 2, 3, 7, 1000, 1001}) {
    std::multiset<std::uint64_t> seen;
    for (int k = 1; k <= n; ++k)
      for (std::uint64_t seed : scenario::shard_seeds(1, 1000, {k, n}))
        seen.insert(seed);
    INFO("N = " << n);
    CHECK(seen.size() == 1000);
    CHECK(std::set<std::uint64_t>(seen.begin(), seen.end()).size() == 1000);
    CHECK(*seen.begin() == 1);
    CHECK(*seen.rbegin() == 1000);
  }
  scenario::Shard s;
  CHECK(scenario::parse_shard("3/8", s));
  CHECK((s.index == 3 && s.count == 8));
  CHECK_FALSE(scenario::parse_shard("0/8", s));
  CHECK_FALSE(scenario::parse_shard("9/8", s));
  CHECK_FALSE(scenario::parse_shard("3/8x", s));
  CHECK_FALSE(scenario::parse_shard("3", s));
}

TEST_CASE("a campaign result line round-trips", "[campaign]") {
  scenario::SeedResult r;
  r.seed = 123456789012ULL;
  r.pass = false;
  r.faults = 4;
  r.nadir_hz = 59.6123;
  r.curtailed_mwh = 1.5;
  r.failed = {"min_frequency_hz: 59.3 Hz \"below\""};
  scenario::SeedResult back;
  std::string why;
  REQUIRE(scenario::parse_json_line(scenario::to_json_line(r), back, why));
  CHECK(back.seed == r.seed);
  CHECK_FALSE(back.pass);
  CHECK(back.faults == 4);
  CHECK(back.nadir_hz == Approx(59.6123));
  CHECK_FALSE(scenario::parse_json_line("{\"seed\":1}", back, why));
}

TEST_CASE("fault campaign, seeds 1-20: every invariant holds", "[campaign]") {
  const site::Site s = preset();
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const scenario::SeedResult r = scenario::run_seed(s, seed);
    if (!r.pass) FAIL(scenario::explain_seed(s, seed));
    CHECK(r.faults > 0);
  }
}
