// [[modbus.device]] overrides: validated against the site, and applied by the
// one addressing rule (served elsewhere, slot kept in the gateway numbering).
#include <catch2/catch.hpp>

#include <algorithm>

#include "hal/device_addresses.hpp"
#include "site/load.hpp"
#include "test_sites.hpp"

TEST_CASE("a [[modbus.device]] must name a device of the site", "[site][modbus]") {
  const std::string toml = test::island_site_toml(2, "droop",
                                                  "[modbus]\n"
                                                  "[[modbus.device]]\n"
                                                  "name = \"pod.99\"\n"
                                                  "port = 1600\n");
  site::LoadResult r = site::load_site_string(toml, "x.toml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].key == "modbus.device[0].name");
  // The name's own line, not the section's.
  const std::string before = toml.substr(0, toml.find("name = \"pod.99\""));
  CHECK(r.errors[0].line == 1 + std::count(before.begin(), before.end(), '\n'));
  CHECK_THAT(r.errors[0].message, Catch::Contains("pod.0..pod.39"));
}

TEST_CASE("a device served elsewhere keeps its slot and gets its own endpoint", "[site][modbus]") {
  const std::string toml = test::island_site_toml(2, "droop",
                                                  "[modbus]\n"
                                                  "base_port = 1502\n"
                                                  "[[modbus.device]]\n"
                                                  "name = \"turbine.1\"\n"
                                                  "host = \"127.0.0.2\"\n"
                                                  "port = 1600\n"
                                                  "unit_id = 9\n");
  const site::Site s = test::load(toml);
  const auto addresses = hal::regs::device_addresses(s);
  // poi (unit 1), turbine.0 (unit 2), turbine.1 elsewhere, pod.0 (unit 4): no battery here.
  REQUIRE(addresses.size() == 43);
  CHECK(addresses[1].name == "turbine.0");
  CHECK(addresses[1].unit_id == 2);
  CHECK(addresses[2].elsewhere);
  CHECK(addresses[2].host == "127.0.0.2");
  CHECK(addresses[2].port == 1600);
  CHECK(addresses[2].unit_id == 9);
  CHECK(addresses[3].unit_id == 4);
  CHECK(hal::regs::device_ports(s) == std::vector<int>{1502});
}

TEST_CASE("a device on a serial line is reached over Modbus RTU", "[site][modbus]") {
  const site::Site s = test::load(test::island_site_toml(2, "droop",
                                                         "[modbus]\n"
                                                         "[[modbus.device]]\n"
                                                         "name = \"poi\"\n"
                                                         "serial = \"/dev/ttyUSB0\"\n"
                                                         "baud = 9600\n"
                                                         "unit_id = 3\n"));
  const auto addresses = hal::regs::device_addresses(s);
  CHECK(addresses[0].elsewhere);
  CHECK(addresses[0].serial == "/dev/ttyUSB0");
  CHECK(addresses[0].baud == 9600);
  CHECK(addresses[0].parity == site::SerialParity::kEven);  // the Modbus serial line default
  CHECK(addresses[0].stop_bits == 1);
  CHECK(addresses[0].unit_id == 3);
  CHECK(addresses[0].port == 0);
}

TEST_CASE("serial settings are checked, one line at a time", "[site][modbus]") {
  auto errors = [](const std::string& devices) {
    return site::load_site_string(test::island_site_toml(2, "droop", "[modbus]\n" + devices),
                                  "x.toml")
        .errors;
  };
  SECTION("TCP and RTU at once") {
    const auto e =
        errors("[[modbus.device]]\nname = \"poi\"\nserial = \"/dev/ttyS0\"\nport = 502\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].key == "modbus.device[0].port");
    CHECK_THAT(e[0].message, Catch::Contains("not both"));
  }
  SECTION("a rate that is not a standard one") {
    const auto e =
        errors("[[modbus.device]]\nname = \"poi\"\nserial = \"/dev/ttyS0\"\nbaud = 14400\n");
    REQUIRE(e.size() == 1);
    CHECK_THAT(e[0].message, Catch::Contains("19200"));
  }
  SECTION("a parity that does not exist, a relative path") {
    const auto e =
        errors("[[modbus.device]]\nname = \"poi\"\nserial = \"ttyS0\"\nparity = \"mark\"\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0].key == "modbus.device[0].serial");
    CHECK(e[1].key == "modbus.device[0].parity");
  }
  SECTION("serial settings on a TCP device") {
    const auto e = errors("[[modbus.device]]\nname = \"poi\"\nport = 1600\nbaud = 9600\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].key == "modbus.device[0].baud");
  }
  SECTION("two devices of one line: one unit id, or two rates") {
    const std::string first =
        "[[modbus.device]]\nname = \"poi\"\nserial = \"/dev/ttyS0\"\nunit_id = 2\n";
    auto e = errors(
        first + "[[modbus.device]]\nname = \"turbine.0\"\nserial = \"/dev/ttyS0\"\nunit_id = 2\n");
    REQUIRE(e.size() == 1);
    CHECK_THAT(e[0].message, Catch::Contains("\"poi\"'s on the same line"));
    e = errors(first +
               "[[modbus.device]]\nname = \"turbine.0\"\nserial = \"/dev/ttyS0\"\nunit_id = 3\n"
               "baud = 38400\n");
    REQUIRE(e.size() == 1);
    CHECK_THAT(e[0].message, Catch::Contains("same baud"));
    // The same unit id on another line is another device.
    CHECK(errors(first + "[[modbus.device]]\nname = \"turbine.0\"\nserial = \"/dev/ttyS1\"\n"
                         "unit_id = 2\n")
              .empty());
  }
}

// The safe cap's default: at it, every pod at its cap and cooling caught up,
// the site draws exactly its contract from the grid (no turbine running).
TEST_CASE("the pod gateways' safe cap defaults to what the grid contract carries alone",
          "[site][modbus]") {
  const std::string facility_extra =
      "[modbus]\n";  // the test site: no losses or cooling; 40 pods x 1 MW; contract 100 MW
  site::Site s = test::load(test::island_site_toml(2, "droop", facility_extra));
  CHECK(s.pod_safe_cap_pu() == Approx(1.0));  // 40 MW of pods under a 100 MW contract
  s.grid.import_contract_mw = 30;
  s.facility.conversion_loss_pu = 0.07;
  s.facility.cooling_pu = 0.33;
  s.facility.fixed_mw = 2;
  const double pu = s.pod_safe_cap_pu();
  const double draw_mw = pu * s.it_compute_mw() * (1 + 0.07 + 0.33) + 2;
  CHECK(draw_mw == Approx(30.0));
  s.modbus.pod_safe_cap_pu = 0.45;  // set in the file: taken as it is
  CHECK(s.pod_safe_cap_pu() == 0.45);
}

TEST_CASE("a safe cap the gateways would refuse is an error", "[site][modbus]") {
  // The test site's pods accept caps down to 400 of 1,000 W per GPU.
  const auto e =
      site::load_site_string(
          test::island_site_toml(2, "droop", "[modbus]\npod_safe_cap_pu = 0.3\n"), "x.toml")
          .errors;
  REQUIRE(e.size() == 1);
  CHECK(e[0].key == "modbus.pod_safe_cap_pu");
  CHECK_THAT(e[0].message, Catch::Contains("min_cap_w_per_gpu (0.4 of compute)"));
}

TEST_CASE("the read deadline is a share of the scan period, checked", "[site][modbus]") {
  const auto ok = site::load_site_string(
      test::island_site_toml(2, "droop", "[modbus]\nread_deadline_fraction = 0.3\n"), "x.toml");
  REQUIRE(ok.site);
  CHECK(ok.site->modbus.read_deadline_fraction == 0.3);
  for (const char* bad : {"0", "0.95", "-1"}) {
    const auto e =
        site::load_site_string(
            test::island_site_toml(2, "droop",
                                   std::string("[modbus]\nread_deadline_fraction = ") + bad + "\n"),
            "x.toml")
            .errors;
    INFO(bad);
    REQUIRE(e.size() == 1);
    CHECK(e[0].key == "modbus.read_deadline_fraction");
  }
}

TEST_CASE("[scada] and [alarms] are read and checked, each problem at its line", "[site][scada]") {
  const site::Site ok = test::load(test::island_site_toml(
      2, "droop",
      "[scada]\nbind = \"0.0.0.0\"\nport = 1600\nwrite_allow = [\"10.0.0.0/8\", \"127.0.0.1\"]\n"
      "import_limit_min_mw = 40\n[alarms]\nflood_alarms = 20\n"));
  CHECK(ok.scada.enabled);
  CHECK(ok.scada.port == 1600);
  CHECK(ok.scada.write_allow.size() == 2);
  CHECK(ok.scada.import_limit_min_mw == 40);
  CHECK(ok.alarms.flood_alarms == 20);
  CHECK_FALSE(test::load(test::island_site_toml(2, "droop")).scada.enabled);

  const std::string toml = test::island_site_toml(
      2, "droop",
      "[scada]\nbind = \"control-room\"\nwrite_allow = [\"10.0.0.0/33\", \"host\", 7]\n"
      "import_limit_min_mw = 101\n[alarms]\nmax_shelve_s = 100000\n");
  site::LoadResult r = site::load_site_string(toml, "x.toml");
  std::vector<std::string> keys;
  for (const auto& d : r.errors)
    keys.push_back(d.key);
  INFO(r.errors.size());
  CHECK(keys == std::vector<std::string>{"scada.bind", "scada.write_allow",
                                         "scada.import_limit_min_mw", "alarms.max_shelve_s"});
  for (const auto& d : r.errors)
    CHECK(d.line > 0);
  // import_limit_min_mw is bounded by the contract (100 MW here).
  CHECK_THAT(r.errors[2].message, Catch::Contains("100"));
}

TEST_CASE("[scada]'s connection rules are read and checked, each problem at its line",
          "[site][scada]") {
  const site::Site defaults = test::load(test::island_site_toml(2, "droop", "[scada]\n"));
  CHECK(defaults.scada.max_clients_per_address == 16);
  CHECK(defaults.scada.idle_timeout_s == 60);
  CHECK(defaults.scada.frame_timeout_ms == 1000);
  const site::Site ok = test::load(test::island_site_toml(
      2, "droop",
      "[scada]\nmax_clients_per_address = 4\nidle_timeout_s = 2.5\nframe_timeout_ms = 200\n"));
  CHECK(ok.scada.max_clients_per_address == 4);
  CHECK(ok.scada.idle_timeout_s == 2.5);
  CHECK(ok.scada.frame_timeout_ms == 200);
  const site::LoadResult r = site::load_site_string(
      test::island_site_toml(
          2, "droop",
          "[scada]\nmax_clients_per_address = 0\nidle_timeout_s = 0.5\nframe_timeout_ms = 5\n"),
      "x.toml");
  std::vector<std::string> keys;
  for (const auto& d : r.errors) {
    keys.push_back(d.key);
    CHECK(d.line > 0);
  }
  CHECK(keys == std::vector<std::string>{"scada.max_clients_per_address", "scada.idle_timeout_s",
                                         "scada.frame_timeout_ms"});
}

TEST_CASE("[redundancy] names both nodes as host:port, each problem at its line",
          "[site][redundancy]") {
  const site::Site ok = test::load(test::island_site_toml(
      2, "droop",
      "[redundancy]\nnode_a = \"10.0.0.11:1600\"\nnode_b = \"10.0.0.12:1600\"\nloss_scans = 3\n"
      "key_file = \"/etc/plantd/pair.key\"\n"));
  CHECK(ok.redundancy.enabled);
  CHECK(ok.redundancy.key_file == "/etc/plantd/pair.key");
  CHECK(ok.redundancy.node_a.host == "10.0.0.11");
  CHECK(ok.redundancy.node_b.port == 1600);
  CHECK(ok.redundancy.loss_scans == 3);
  CHECK_FALSE(test::load(test::island_site_toml(2, "droop")).redundancy.enabled);

  auto errors = [](const std::string& table) {
    site::LoadResult r =
        site::load_site_string(test::island_site_toml(2, "droop", table), "x.toml");
    for (const auto& d : r.errors)
      CHECK(d.line > 0);
    return r.errors;
  };
  const auto bad = errors(
      "[redundancy]\nnode_a = \"plantd-a:1600\"\nnode_b = \"10.0.0.12:70000\"\n"
      "loss_scans = 0\nkey_file = \"/k\"\n");
  REQUIRE(bad.size() == 3);
  CHECK(bad[0].key == "redundancy.node_a");
  CHECK_THAT(bad[0].message, Catch::Contains("\"10.0.0.11:1600\""));
  CHECK(bad[1].key == "redundancy.node_b");
  CHECK(bad[2].key == "redundancy.loss_scans");
  const auto missing = errors("[redundancy]\nnode_a = \"10.0.0.11:1600\"\nkey_file = \"/k\"\n");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].key == "redundancy.node_b");
  CHECK_THAT(missing[0].message, Catch::Contains("required"));
  const auto same = errors(
      "[redundancy]\nnode_a = \"10.0.0.11:1600\"\nnode_b = \"10.0.0.11:1600\"\n"
      "key_file = \"/k\"\n");
  REQUIRE(same.size() == 1);
  CHECK_THAT(same[0].message, Catch::Contains("must differ"));
}

TEST_CASE("[redundancy] requires an absolute key_file: the heartbeats are authenticated",
          "[site][redundancy]") {
  auto errors = [](const std::string& key_line) {
    return site::load_site_string(
               test::island_site_toml(2, "droop",
                                      "[redundancy]\nnode_a = \"10.0.0.11:1600\"\nnode_b = "
                                      "\"10.0.0.12:1600\"\n" +
                                          key_line),
               "x.toml")
        .errors;
  };
  const auto missing = errors("");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].key == "redundancy.key_file");
  CHECK_THAT(missing[0].message, Catch::Contains("required"));
  CHECK(missing[0].line > 0);
  const auto relative = errors("key_file = \"pair.key\"\n");
  REQUIRE(relative.size() == 1);
  CHECK(relative[0].key == "redundancy.key_file");
  CHECK_THAT(relative[0].message, Catch::Contains("absolute"));
  CHECK(errors("key_file = \"/etc/plantd/pair.key\"\n").empty());
}
