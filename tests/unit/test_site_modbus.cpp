// [[modbus.device]] overrides: validated against the site, and applied by the
// one addressing rule (served elsewhere, slot kept in the gateway numbering).
#include <catch2/catch.hpp>

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
  CHECK(r.errors[0].key == "modbus");
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
