// The sizes `plantctl bench` measures at: a preset scaled to a pod count keeps
// its mix of groups and scales the supply with the load.
#include <catch2/catch.hpp>

#include <string>

#include "bench.hpp"
#include "site/load.hpp"

TEST_CASE("a site scaled to N pods has N pods, its groups in proportion, and a scaled contract",
          "[bench]") {
  site::LoadResult loaded =
      site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-1m.toml");
  REQUIRE(loaded.site);
  const site::Site& large = *loaded.site;
  for (int pods : {300, 333, 2000}) {
    INFO(pods);
    const site::Site s = bench::scaled_site(large, pods);
    CHECK(s.pod_count() == pods);
    const double factor = static_cast<double>(pods) / large.pod_count();
    for (std::size_t g = 0; g < s.pod_groups.size(); ++g)  // within rounding
      CHECK(std::abs(s.pod_groups[g].count - large.pod_groups[g].count * factor) <=
            static_cast<double>(s.pod_groups.size()));
    CHECK(s.grid.import_contract_mw == Approx(large.grid.import_contract_mw * factor));
    CHECK(s.it_compute_mw() == Approx(large.it_compute_mw() * factor).epsilon(0.02));
    CHECK(s.turbine_capacity_mw() >= large.turbine_capacity_mw() * factor);
  }
  CHECK_THROWS(bench::scaled_site(large, 1));
}
