// Site file loading: the presets load clean, and each kind of mistake is reported
// with the key it concerns and the line it is on.
#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

#include "site/load.hpp"
#include "site/toml_reader.hpp"

namespace {

// A minimal valid site. Tests replace one line and expect errors at known lines,
// so keep the line numbers in the comments right when editing.
const std::string kBase = R"([site]
name = "test site"

[grid]
import_contract_mw = 150
nominal_frequency_hz = 60
import_ramp_limit_mw_per_min = 10

[[turbine_group]]
name = "smt130"
count = 15
rating_mw = 16.5
min_stable_load_pu = 0.5

[[pod_group]]
name = "train-a"
count = 10
gpus_per_pod = 1000
priority = "training"
workload = "training"
job = "a"
compute_w_per_gpu = 1050
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 400

[permit]
max_units_running = 15
starts_per_unit_per_year = 22
shutdowns_per_unit_per_year = 22
nox_cap_short_tons_per_12_months = 87
)";
// Line numbers in kBase.
constexpr int kSiteHeaderLine = 1;
constexpr int kGridRampLine = 7;
constexpr int kTurbineHeaderLine = 9;
constexpr int kTurbineCountLine = 11;
constexpr int kTurbineRatingLine = 12;
constexpr int kTurbineMinLoadLine = 13;
constexpr int kPodHeaderLine = 15;
constexpr int kPodCountLine = 17;
constexpr int kPodComputeLine = 22;
constexpr int kPodFloorLine = 25;
constexpr int kPermitMaxUnitsLine = 28;

// kBase with the one line `from` replaced by `to` (which may be several lines).
std::string with(const std::string& from, const std::string& to, std::string text = kBase) {
  const auto at = text.find(from + "\n");
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

site::LoadResult load(const std::string& text) {
  return site::load_site_string(text, "t.toml");
}

// The one error of a result (a copy: results are often temporaries).
site::Diagnostic only_error(const site::LoadResult& r) {
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(r.errors.size() == 1);
  CHECK_FALSE(r.site.has_value());
  return r.errors.front();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the base test site loads", "[site]") {
  const auto r = load(kBase);
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(r.errors.empty());
  REQUIRE(r.site);
  CHECK(r.site->gpu_count() == 10000);
  CHECK(r.site->turbine_capacity_mw() == Approx(247.5));
  CHECK(r.site->source_path == "t.toml");
  CHECK_FALSE(r.site->has_battery);
}

TEST_CASE("preset colossus-100k loads with its headline numbers", "[site][preset]") {
  const auto r = site::load_site_file(PLANT_SOURCE_DIR "/config/colossus-100k.toml");
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(r.errors.empty());
  const site::Site& s = *r.site;
  CHECK(s.gpu_count() == 100000);
  CHECK(s.pod_count() == 100);
  CHECK(s.turbine_count() == 15);
  REQUIRE(s.turbine_groups.size() == 1);
  CHECK(s.turbine_groups[0].rating_mw == Approx(16.5));
  CHECK(s.turbine_capacity_mw() == Approx(247.5));
  CHECK(s.grid.import_contract_mw == Approx(150));
  CHECK(s.it_compute_mw() == Approx(105));
  // Facility about 150 MW at full compute: 105 MW x PUE 1.4.
  const double facility_mw =
      s.it_compute_mw() * (1 + s.facility.conversion_loss_pu + s.facility.cooling_pu);
  CHECK(facility_mw == Approx(147).margin(1));
  CHECK(s.has_battery);
  CHECK(s.battery.power_mw == Approx(150));
  CHECK(s.permit.max_units_running == 15);
  CHECK(s.permit.starts_per_unit_per_year == 22);
  CHECK(s.permit.shutdowns_per_unit_per_year == 22);
  CHECK(s.permit.nox_cap_short_tons_per_12_months == Approx(87));
}

TEST_CASE("preset colossus-1m loads with its headline numbers", "[site][preset]") {
  const auto r = site::load_site_file(PLANT_SOURCE_DIR "/config/colossus-1m.toml");
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(r.errors.empty());
  const site::Site& s = *r.site;
  CHECK(s.gpu_count() == 1000000);
  CHECK(s.pod_count() >= 1000);
  CHECK(s.turbine_count() > 15);
  CHECK(s.has_battery);
}

TEST_CASE("an unknown key is reported with a suggestion and the allowed keys", "[site]") {
  const auto r = load(with("min_stable_load_pu = 0.5", "min_stabel_load_pu = 0.5"));
  const auto& d = only_error(r);
  CHECK(d.key == "turbine_group[0].min_stabel_load_pu");
  CHECK(d.line == kTurbineMinLoadLine);
  CHECK(d.column == 1);
  CHECK(contains(d.message, "unknown key"));
  CHECK(contains(d.message, "did you mean \"min_stable_load_pu\""));
  CHECK(contains(d.message, "rating_mw"));  // the allowed keys are listed
  CHECK(d.str() == "t.toml:13:1: " + d.key + ": " + d.message);
}

// toml++ builds dotted keys by recursion without a limit: 32,000 levels (64 kB)
// overflowed the stack. A key deeper than our files could need is refused at its
// line before the parser sees it, whatever the depth; strings and values with
// dots (floats, quoted keys, a dotted string) are not keys.
TEST_CASE("a dotted key nested far too deep is an error at its line, never a crash", "[site]") {
  std::string deep = "a";
  for (int k = 0; k < 100000; ++k)
    deep += ".a";
  for (const std::string& text : {kBase + deep + " = 1\n", kBase + "[" + deep + "]\n",
                                  kBase + "x = { " + deep + " = 1 }\n"}) {
    const auto& d = only_error(load(text));
    CHECK(d.line == static_cast<int>(std::count(kBase.begin(), kBase.end(), '\n')) + 1);
    CHECK(contains(d.message, "more than 64 dotted parts"));
  }
  // Dots in values, strings and comments are no key's: only the unknown key is reported.
  const std::string dots(200, '.');
  const auto r = load(kBase + "x = [1.5, 2.5, \"" + dots + "\", '" + dots + "'] # " + dots +
                      "\n\"q" + dots + "\" = \"\"\"\n" + dots + "\n\"\"\"\n");
  for (const auto& d : r.errors)
    CHECK_FALSE(contains(d.message, "dotted parts"));
  CHECK_FALSE(r.errors.empty());  // x and the quoted key are unknown
}

TEST_CASE("an unknown section is reported", "[site]") {
  const auto r = load(with("[permit]", "[permti]"));
  // [permit] is now missing too: both are reported.
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].key == "permit");
  CHECK(r.errors[0].line == kSiteHeaderLine);
  CHECK(contains(r.errors[0].message, "required table [permit] is missing"));
  CHECK(r.errors[1].key == "permti");
  CHECK(r.errors[1].line == 27);
  CHECK(contains(r.errors[1].message, "did you mean \"permit\""));
}

TEST_CASE("a missing required key points at its table", "[site]") {
  const auto r = load(with("rating_mw = 16.5", "# no rating"));
  const auto& d = only_error(r);
  CHECK(d.key == "turbine_group[0].rating_mw");
  CHECK(d.line == kTurbineHeaderLine);
  CHECK(contains(d.message, "required"));
}

TEST_CASE("a missing required section points at line 1", "[site]") {
  const auto r = load(with("[site]", "# no site header"));
  // Without the header, `name` is a root key: unknown, and [site] is missing.
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].key == "site");
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[1].key == "name");
  CHECK(r.errors[1].line == 2);
}

TEST_CASE("a wrong type names the expected and the found type", "[site]") {
  const auto r = load(with("count = 15", "count = \"fifteen\""));
  const auto& d = only_error(r);
  CHECK(d.key == "turbine_group[0].count");
  CHECK(d.line == kTurbineCountLine);
  CHECK(contains(d.message, "expected an integer"));
  CHECK(contains(d.message, "found a string (\"fifteen\")"));
}

TEST_CASE("a float where an integer is required is a type error", "[site]") {
  const auto r = load(with("count = 15", "count = 15.0"));
  const auto& d = only_error(r);
  CHECK(d.line == kTurbineCountLine);
  CHECK(contains(d.message, "found a floating-point number"));
}

TEST_CASE("an out-of-range value names the allowed range", "[site]") {
  const auto r =
      load(with("import_ramp_limit_mw_per_min = 10", "import_ramp_limit_mw_per_min = -5"));
  const auto& d = only_error(r);
  CHECK(d.key == "grid.import_ramp_limit_mw_per_min");
  CHECK(d.line == kGridRampLine);
  CHECK(d.column == 32);  // the value
  CHECK(contains(d.message, "must be in (0, 100000]"));
  CHECK(contains(d.message, "found -5"));
}

TEST_CASE("a nominal frequency other than 50 or 60 Hz is an error", "[site]") {
  const auto r = load(with("nominal_frequency_hz = 60", "nominal_frequency_hz = 55"));
  const auto& d = only_error(r);
  CHECK(d.key == "grid.nominal_frequency_hz");
  CHECK(d.line == 6);
  CHECK(contains(d.message, "50 or 60"));
}

TEST_CASE("a minimum stable load above the rating is an error", "[site]") {
  const auto r = load(with("min_stable_load_pu = 0.5", "min_stable_load_pu = 1.2"));
  const auto& d = only_error(r);
  CHECK(d.key == "turbine_group[0].min_stable_load_pu");
  CHECK(d.line == kTurbineMinLoadLine);
  CHECK(contains(d.message, "above the rating"));
}

TEST_CASE("a power floor above compute power is an error", "[site]") {
  const auto r = load(with("min_cap_w_per_gpu = 400", "min_cap_w_per_gpu = 1200"));
  const auto& d = only_error(r);
  CHECK(d.key == "pod_group[0].min_cap_w_per_gpu");
  CHECK(d.line == kPodFloorLine);
  CHECK(contains(d.message, "above compute power"));
}

TEST_CASE("power that is not idle <= communication <= compute is an error", "[site]") {
  const auto r = load(with("compute_w_per_gpu = 1050", "compute_w_per_gpu = 420"));
  // Communication (450 W) and the floor (400 W) are fine alone; the order is wrong.
  const auto& d = only_error(r);
  CHECK(d.key == "pod_group[0].communication_w_per_gpu");
  CHECK(d.line == kPodComputeLine + 1);
  CHECK(contains(d.message, "idle <= communication <= compute"));
}

TEST_CASE("a site with zero pods is an error", "[site]") {
  SECTION("a pod group with count 0") {
    const auto r = load(with("count = 10", "count = 0"));
    const auto& d = only_error(r);
    CHECK(d.key == "pod_group[0].count");
    CHECK(d.line == kPodCountLine);
    CHECK(contains(d.message, "found 0"));
  }
  SECTION("no pod group at all") {
    std::string text = kBase;
    const auto from = text.find("[[pod_group]]");
    const auto to = text.find("[permit]");
    text.erase(from, to - from);
    const auto& d = only_error(load(text));
    CHECK(d.key == "pod_group");
    CHECK(d.line == 1);
    CHECK(contains(d.message, "at least one [[pod_group]]"));
  }
}

TEST_CASE("a permit that allows no unit is an error", "[site]") {
  SECTION("no unit may run") {
    const auto r = load(with("max_units_running = 15", "max_units_running = 0"));
    const auto& d = only_error(r);
    CHECK(d.key == "permit.max_units_running");
    CHECK(d.line == kPermitMaxUnitsLine);
    CHECK(contains(d.message, "allows no unit"));
  }
  SECTION("no unit may start") {
    const auto r = load(with("starts_per_unit_per_year = 22", "starts_per_unit_per_year = 0"));
    const auto& d = only_error(r);
    CHECK(d.key == "permit.starts_per_unit_per_year");
    CHECK(d.line == kPermitMaxUnitsLine + 1);
    CHECK(contains(d.message, "allows no unit"));
  }
  SECTION("more units allowed than installed is fine") {
    CHECK(load(with("max_units_running = 15", "max_units_running = 40")).errors.empty());
  }
}

TEST_CASE("a TOML syntax error is a diagnostic with its position", "[site]") {
  const auto r = load(with("rating_mw = 16.5", "rating_mw = = 16.5"));
  const auto& d = only_error(r);
  CHECK(d.line == kTurbineRatingLine);
  CHECK(d.column > 0);
  CHECK(contains(d.message, "TOML syntax error"));
}

TEST_CASE("every error in a file is reported, in file order", "[site]") {
  std::string text = with("count = 15", "count = \"fifteen\"");                 // line 11
  text = with("min_cap_w_per_gpu = 400", "min_cap_w_per_gpu = 1200", text);     // line 25
  text = with("name = \"test site\"", "name = \"test site\"\nnmae = 1", text);  // line 3
  const auto r = load(text);
  for (const auto& d : r.errors)
    UNSCOPED_INFO(d.str());
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].key == "site.nmae");
  CHECK(r.errors[0].line == 3);
  CHECK(r.errors[1].key == "turbine_group[0].count");
  CHECK(r.errors[1].line == kTurbineCountLine + 1);
  CHECK(r.errors[2].key == "pod_group[0].min_cap_w_per_gpu");
  CHECK(r.errors[2].line == kPodFloorLine + 1);
  CHECK_FALSE(r.site);
}

TEST_CASE("training pods need a job, and one job has one iteration period", "[site]") {
  SECTION("missing job") {
    const auto& d = only_error(load(with("job = \"a\"", "# no job")));
    CHECK(d.key == "pod_group[0].job");
    CHECK(d.line == kPodHeaderLine);
  }
  SECTION("two groups of one job with different periods") {
    std::string text = with("job = \"a\"", "job = \"a\"\niteration_period_s = 1.0");
    // Everything from line 22 on moves down one: [permit] is now on line 28.
    text = with("[permit]", R"([[pod_group]]
name = "train-a2"
count = 10
gpus_per_pod = 1000
priority = "training"
workload = "training"
job = "a"
iteration_period_s = 2.0
compute_w_per_gpu = 1050
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 400

[permit])",
                text);
    const auto& d = only_error(load(text));
    CHECK(d.key == "pod_group[1].iteration_period_s");
    CHECK(d.line == 35);
    CHECK(contains(d.message, "pod_group[0]"));
  }
  SECTION("an iteration period outside 0.2-3 Hz") {
    const auto& d = only_error(load(with("job = \"a\"", "job = \"a\"\niteration_period_s = 10")));
    CHECK(d.key == "pod_group[0].iteration_period_s");
    CHECK(d.line == 22);
  }
}

TEST_CASE("a training pod's power edge must fit inside its shortest phase", "[site][edges]") {
  SECTION("an edge longer than the communication phase") {
    // 1.0 s iterations at 70 % compute: 0.3 s of communication, against 0.2 + 0.2 s.
    const auto& d = only_error(
        load(with("job = \"a\"", "job = \"a\"\ngpu_power_edge_s = 0.2\ngpu_edge_spread_s = 0.2")));
    CHECK(d.key == "pod_group[0].gpu_edge_spread_s");
    CHECK(contains(d.message, "0.4 s"));
    CHECK(contains(d.message, "communication phase"));
    CHECK(contains(d.message, "0.3 s"));
  }
  SECTION("an edge that fits loads") {
    const auto r =
        load(with("job = \"a\"", "job = \"a\"\ngpu_power_edge_s = 0.15\ngpu_edge_spread_s = 0.15"));
    CHECK(r.errors.empty());
  }
  SECTION("a GPU edge of seconds is out of range") {
    const auto& d = only_error(load(with("job = \"a\"", "job = \"a\"\ngpu_power_edge_s = 2")));
    CHECK(d.key == "pod_group[0].gpu_power_edge_s");
    CHECK(contains(d.message, "milliseconds"));
  }
}

TEST_CASE("group names are unique", "[site]") {
  const auto& d = only_error(load(with("name = \"train-a\"", "name = \"smt130\"")));
  CHECK(d.key == "pod_group[0].name");
  CHECK(d.line == 16);
  CHECK(contains(d.message, "turbine_group[0]"));
}

TEST_CASE("battery and modbus sections are checked", "[site]") {
  SECTION("a battery needs power and energy") {
    const auto r = load(kBase + "\n[battery]\npower_mw = 150\n");
    const auto& d = only_error(r);
    CHECK(d.key == "battery.energy_mwh");
    CHECK(d.line == 33);
  }
  SECTION("state of charge limits in order") {
    const auto r = load(kBase +
                        "\n[battery]\npower_mw = 150\nenergy_mwh = 600\n"
                        "soc_min_pu = 0.6\n");
    const auto& d = only_error(r);
    CHECK(d.key == "battery.initial_soc_pu");
  }
  SECTION("a valid battery is loaded") {
    const auto r = load(kBase + "\n[battery]\npower_mw = 150\nenergy_mwh = 600\n");
    REQUIRE(r.site);
    CHECK(r.site->has_battery);
    CHECK(r.site->battery.energy_mwh == Approx(600));
  }
  SECTION("modbus host must be a dotted quad") {
    const auto r = load(kBase + "\n[modbus]\nhost = \"localhost\"\nlayout = \"port_per_device\"\n");
    const auto& d = only_error(r);
    CHECK(d.key == "modbus.host");
    CHECK(d.line == 34);
  }
  SECTION("modbus enum values are listed when wrong") {
    const auto r = load(kBase + "\n[modbus]\nlayout = \"bus\"\n");
    const auto& d = only_error(r);
    CHECK(d.key == "modbus.layout");
    CHECK(contains(d.message, "\"gateway\", \"port_per_device\""));
  }
}

TEST_CASE("a file that cannot be read is a diagnostic", "[site]") {
  const auto r = site::load_site_file("/nonexistent/site.toml");
  const auto& d = only_error(r);
  CHECK(d.line == 0);
  CHECK(contains(d.str(), "/nonexistent/site.toml: cannot open file"));
}

TEST_CASE("Range describes itself", "[site][toml_reader]") {
  CHECK(site::Range::left_open(0, 0.2).str() == "in (0, 0.2]");
  CHECK(site::Range::at_least(0).str() == ">= 0");
  CHECK(site::Range::above(0).because("why").str() == "> 0 (why)");
  CHECK_FALSE(site::Range::any().contains(std::numeric_limits<double>::quiet_NaN()));
  CHECK(site::Range::right_open(0, 1).contains(0));
  CHECK_FALSE(site::Range::right_open(0, 1).contains(1));
}

// The size limits (site/site.hpp, docs/configuration.md): what the SCADA map and
// the Modbus addressing can serve, and a pod count plantsim steps in real time.
TEST_CASE("a site larger than the system serves is refused at the count", "[site][limits]") {
  SECTION("more turbine units in one group than the SCADA map has blocks") {
    const auto& d = only_error(load(with("count = 15", "count = 2000015")));
    CHECK(d.key == "turbine_group[0].count");
    CHECK(d.line == kTurbineCountLine);
    CHECK(contains(d.message, "in [1, 128]"));
    CHECK(contains(d.message, "SCADA map"));
  }
  SECTION("more units in all than the SCADA map has blocks") {
    const std::string second =
        "[[turbine_group]]\nname = \"lm6000\"\ncount = 114\nrating_mw = 50\n\n[[pod_group]]";
    const auto& d = only_error(load(with("[[pod_group]]", second)));
    CHECK(d.key == "turbine_group[1].count");
    CHECK(d.line == kPodHeaderLine + 2);
    CHECK(contains(d.message, "makes 129 units in all; a site has at most 128"));
  }
  SECTION("128 units in all is allowed") {
    const std::string second =
        "[[turbine_group]]\nname = \"lm6000\"\ncount = 113\nrating_mw = 50\n\n[[pod_group]]";
    const auto r = load(
        with("max_units_running = 15", "max_units_running = 128", with("[[pod_group]]", second)));
    for (const auto& d : r.errors)
      UNSCOPED_INFO(d.str());
    REQUIRE(r.site);
    CHECK(r.site->turbine_count() == site::kMaxTurbineUnits);
  }
  SECTION("5 million pods in one group") {
    const auto& d = only_error(load(with("count = 10", "count = 5000000")));
    CHECK(d.key == "pod_group[0].count");
    CHECK(d.line == kPodCountLine);
    CHECK(contains(d.message, "in [1, 10000]"));
  }
  SECTION("pods summed over groups, each within the limit, and no int overflow") {
    CHECK(only_error(load(with("count = 10", "count = 2147483647"))).key == "pod_group[0].count");
    // Two groups of 6,000: the second crosses 10,000.
    const std::string group = kBase.substr(kBase.find("[[pod_group]]"),
                                           kBase.find("[permit]") - kBase.find("[[pod_group]]"));
    std::string two = with("count = 10", "count = 6000");
    std::string second = with("count = 10", "count = 6000", group);
    second = with("name = \"train-a\"", "name = \"train-b\"", second);
    two.insert(two.find("[permit]"), second);
    const auto& d = only_error(load(two));
    CHECK(d.key == "pod_group[1].count");
    CHECK(contains(d.message, "makes 12000 pods in all; a site has at most 10000"));
  }
  SECTION("the Modbus ports the devices take must exist") {
    // 1 POI + 15 units + 10 pods, one port each from 65520: up to 65545.
    auto r = load(kBase + "\n[modbus]\nbase_port = 65520\nlayout = \"port_per_device\"\n");
    const auto& d = only_error(r);
    CHECK(d.key == "modbus.base_port");
    CHECK(d.line == 34);
    CHECK(contains(d.message, "26 devices, one per port, would take ports up to 65545"));
    CHECK(contains(d.message, "base_port must be at most 65510"));
    r = load(kBase + "\n[modbus]\nbase_port = 65510\nlayout = \"port_per_device\"\n");
    CHECK(r.errors.empty());
    // Behind gateways, 247 unit ids per port: 26 devices take one port.
    CHECK(load(kBase + "\n[modbus]\nbase_port = 65535\n").errors.empty());
  }
}

TEST_CASE("a battery's frequency trips outside IEEE 1547's ranges are errors; 50 Hz scales",
          "[site]") {
  const std::string battery = "[battery]\npower_mw = 10\nenergy_mwh = 40\n";
  const auto r = load(std::string(kBase) + battery + "underfrequency_trip_hz = 59.5\n");
  const auto& d = only_error(r);
  CHECK(d.key == "battery.underfrequency_trip_hz");
  CHECK(contains(d.message, "must be in [50, 59]"));
  CHECK(contains(d.message, "IEEE 1547-2018"));
  const auto clearing = load(std::string(kBase) + battery + "overfrequency_trip_s = 0.05\n");
  CHECK(only_error(clearing).key == "battery.overfrequency_trip_s");
  // On a 50 Hz site the defaults are the same per unit of nominal.
  const auto fifty = load(
      with("nominal_frequency_hz = 60", "nominal_frequency_hz = 50", std::string(kBase) + battery));
  REQUIRE(fifty.site);
  CHECK(fifty.site->battery.underfrequency_trip_hz == Approx(56.5 * 50 / 60));
  CHECK(fifty.site->battery.overfrequency_trip_hz == Approx(62.0 * 50 / 60));
}

TEST_CASE("black_start and the cooling's frequency-dependent share are checked", "[site]") {
  const auto bs =
      load(with("min_stable_load_pu = 0.5", "min_stable_load_pu = 0.5\nblack_start = 1"));
  CHECK(only_error(bs).key == "turbine_group[0].black_start");
  const auto share =
      load(std::string(kBase) + "[facility]\ncooling_frequency_dependent_pu = 1.5\n");
  const auto& d = only_error(share);
  CHECK(d.key == "facility.cooling_frequency_dependent_pu");
  CHECK(contains(d.message, "[0, 1]"));
}

TEST_CASE("the under-frequency stages: ERCOT's five by default, at most 8, and the connected rule",
          "[site]") {
  const auto base = load(kBase);
  REQUIRE(base.site.has_value());
  const site::ControllerSettings& c = base.site->controller;
  CHECK(c.ufls_stages_hz == std::vector<double>{59.3, 59.1, 58.9, 58.7, 58.5});
  CHECK(c.ufls_when_connected == site::UflsWhenConnected::kShed);
  const std::string tail = "nox_cap_short_tons_per_12_months = 87";
  const auto ride =
      load(with(tail, tail + "\n\n[controller]\nufls_when_connected = \"ride_through\""));
  REQUIRE(ride.site.has_value());
  CHECK(ride.site->controller.ufls_when_connected == site::UflsWhenConnected::kRideThrough);
  const auto bad = load(with(tail, tail + "\n\n[controller]\nufls_when_connected = \"ignore\""));
  CHECK(only_error(bad).key == "controller.ufls_when_connected");
  const auto nine = load(with(tail, tail + "\n\n[controller]\nufls_stages_hz = [59.5, 59.4, 59.3, "
                                           "59.2, 59.1, 59.0, 58.9, 58.8, 58.7]"));
  const auto& d = only_error(nine);
  CHECK(d.key == "controller.ufls_stages_hz");
  CHECK(contains(d.message, "at most 8 stages"));
}
