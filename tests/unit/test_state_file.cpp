// The state file: a round trip, and what the loader does with every way a file
// can be left by a crash, a power loss or a bad disk.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "site/load.hpp"
#include "state_file.hpp"
#include "test_sites.hpp"

namespace {

site::Site preset() {
  site::LoadResult r = site::load_site_file(test::preset_path("colossus-100k.toml"));
  REQUIRE(r.site);
  return *r.site;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Dir {
  std::string path = "/tmp/plant-state-" + std::to_string(getpid());
  std::string file = path + "/state.toml";
  Dir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

runtime::PersistentState sample(const site::Site& s, std::uint64_t sequence) {
  runtime::PersistentState st;
  st.sequence = sequence;
  const auto n = static_cast<std::size_t>(s.turbine_count());
  for (std::size_t u = 0; u < n; ++u) {
    st.usage.starts.push_back(static_cast<int>(u % 4) + static_cast<int>(sequence));
    st.usage.stops.push_back(static_cast<int>(u % 3));
    st.usage.run_hours.push_back(12.25 * static_cast<double>(u) + 0.1);
  }
  st.usage.nox_kg = 4321.125 + static_cast<double>(sequence);
  st.curtailed_mwh = 17.5;
  st.save_interval_s = 10;
  return st;
}

}  // namespace

TEST_CASE("CRC-32 matches the standard check value", "[state]") {
  CHECK(runtime::crc32("123456789") == 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  CHECK(runtime::crc32("") == 0);
}

TEST_CASE("the state file round-trips every counter exactly", "[state]") {
  const site::Site s = preset();
  Dir d;
  const runtime::StateFile file(d.file, s);
  runtime::PersistentState saved = sample(s, 7);
  saved.clean_stop = true;
  std::string error;
  REQUIRE(file.save(saved, error));
  const runtime::StateLoad l = file.load();
  REQUIRE(l.restored);
  CHECK(l.from == d.file);
  CHECK(l.state.sequence == 7);
  CHECK(l.state.usage.starts == saved.usage.starts);
  CHECK(l.state.usage.stops == saved.usage.stops);
  CHECK(l.state.usage.run_hours == saved.usage.run_hours);
  CHECK(l.state.usage.nox_kg == saved.usage.nox_kg);
  CHECK(l.state.curtailed_mwh == saved.curtailed_mwh);
  CHECK(l.nox_allowance_kg == 0);  // a clean stop: nothing unsaved
}

TEST_CASE("after an unclean stop, a full save interval of NOx at full fuel is added", "[state]") {
  const site::Site s = preset();
  Dir d;
  const runtime::StateFile file(d.file, s);
  std::string error;
  REQUIRE(file.save(sample(s, 3), error));
  const runtime::StateLoad l = file.load();
  REQUIRE(l.restored);
  // 15 units of 16.5 MW at 10,280 Btu/kWh and 25 ppm: Method 19's factor.
  double rate_kg_per_h = 0;
  for (const site::TurbineGroup& g : s.turbine_groups)
    rate_kg_per_h += g.count * g.rating_mw * g.heat_rate_btu_per_kwh * 1e-3 * g.nox_ppm * 1.194e-7 *
                     8710.0 * 20.9 / 5.9 / 2.2046226218;
  CHECK(l.nox_allowance_kg == Approx(rate_kg_per_h * 10 / 3600));
  CHECK(l.state.usage.nox_kg == Approx(sample(s, 3).usage.nox_kg + l.nox_allowance_kg));
}

TEST_CASE("a corrupt file falls back to the previous generation", "[state]") {
  const site::Site s = preset();
  Dir d;
  const runtime::StateFile file(d.file, s);
  std::string error;
  REQUIRE(file.save(sample(s, 1), error));
  REQUIRE(file.save(sample(s, 2), error));  // generation 1 is now state.toml.bak
  std::string text = slurp(d.file);
  const std::size_t at = text.find("nox_kg = 4323");
  REQUIRE(at != std::string::npos);
  text[at + 9] = '9';  // one digit changed: 9323 kg
  std::ofstream(d.file) << text;
  const runtime::StateLoad l = file.load();
  REQUIRE(l.restored);
  CHECK(l.from == d.file + ".bak");
  CHECK(l.state.sequence == 1);
  CHECK_THAT(l.problems, Catch::Contains("checksum does not match"));
}

TEST_CASE("power lost between the renames: the newest whole generation is taken", "[state]") {
  const site::Site s = preset();
  Dir d;
  std::string error;
  const runtime::StateFile file(d.file, s);
  REQUIRE(file.save(sample(s, 4), error));
  REQUIRE(file.save(sample(s, 5), error));
  // As left between "FILE -> FILE.bak" and "FILE.tmp -> FILE".
  REQUIRE(std::rename(d.file.c_str(), (d.file + ".tmp").c_str()) == 0);
  const runtime::StateLoad l = file.load();
  REQUIRE(l.restored);
  CHECK(l.from == d.file + ".tmp");
  CHECK(l.state.sequence == 5);
}

TEST_CASE("no whole file: conservative values, never zero", "[state]") {
  const site::Site s = preset();
  Dir d;
  const runtime::StateFile file(d.file, s);
  SECTION("missing") {
    const runtime::StateLoad l = file.load();
    CHECK_FALSE(l.restored);
    CHECK_THAT(l.problems, Catch::Contains("missing"));
  }
  SECTION("cut short by a crash while it was written, and no older generation") {
    std::string error;
    REQUIRE(file.save(sample(s, 1), error));
    const std::string text = slurp(d.file);
    std::ofstream(d.file) << text.substr(0, text.size() / 2);
    const runtime::StateLoad l = file.load();
    CHECK_FALSE(l.restored);
    CHECK_THAT(l.problems, Catch::Contains("no checksum line"));
  }
  SECTION("for another site") {
    site::Site other = s;
    other.name = "another site";
    std::string error;
    REQUIRE(runtime::StateFile(d.file, other).save(sample(s, 1), error));
    const runtime::StateLoad l = file.load();
    CHECK_FALSE(l.restored);
    CHECK_THAT(l.problems, Catch::Contains("not \"" + s.name + "\""));
  }
  const runtime::StateLoad l = file.load();
  REQUIRE_FALSE(l.restored);
  for (int u = 0; u < s.turbine_count(); ++u) {
    CHECK(l.state.usage.starts[static_cast<size_t>(u)] == s.permit.starts_per_unit_per_year);
    CHECK(l.state.usage.stops[static_cast<size_t>(u)] == s.permit.shutdowns_per_unit_per_year);
  }
  CHECK(l.state.usage.nox_kg == Approx(s.permit.nox_cap_short_tons_per_12_months * 907.18474));
}

TEST_CASE("the zero file of --init-state, and it never overwrites", "[state]") {
  const site::Site s = preset();
  Dir d;
  const runtime::StateFile file(d.file, s);
  std::string error;
  REQUIRE(file.init(error));
  const runtime::StateLoad l = file.load();
  REQUIRE(l.restored);
  CHECK(l.state.usage.nox_kg == 0);
  CHECK(l.state.usage.starts == std::vector<int>(static_cast<size_t>(s.turbine_count()), 0));
  CHECK_FALSE(file.init(error));
  CHECK_THAT(error, Catch::Contains("exists"));
}
