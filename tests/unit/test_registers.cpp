// Register maps: well-formed tables, the documented word order and scaling, no
// silent clamping, and a generated doc that matches the tables.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "hal/process_image.hpp"
#include "hal/registers.hpp"

using namespace hal::regs;

TEST_CASE("every map is well formed: unique names, no overlapping registers, heartbeats at 0",
          "[registers]") {
  for (const DeviceMap* m : all_maps()) {
    INFO(m->name);
    std::set<std::string> names;
    std::set<std::pair<Table, int>> used;
    for (const Register& r : m->registers) {
      INFO(r.name);
      CHECK(names.insert(r.name).second);
      for (int w = 0; w < words(r.type); ++w)
        CHECK(used.insert({r.table, r.address + w}).second);
      CHECK(r.scale > 0);
      if (r.table == Table::kInput) CHECK(r.access == Access::kRead);
    }
    // Each table is contiguous from address 0: one request reads it whole.
    for (Table t : {Table::kInput, Table::kHolding}) {
      int count = 0;
      for (const auto& a : used)
        count += a.first == t ? 1 : 0;
      for (int a = 0; a < count; ++a)
        CHECK(used.count({t, a}) == 1);
    }
    REQUIRE(m->find("device_heartbeat"));
    CHECK(m->find("device_heartbeat")->table == Table::kInput);
    CHECK(m->find("device_heartbeat")->address == 0);
    REQUIRE(m->find("controller_heartbeat"));
    CHECK(m->find("controller_heartbeat")->table == Table::kHolding);
    CHECK(m->find("controller_heartbeat")->address == 0);
  }
}

TEST_CASE("32-bit values are high word first, signed two's complement, scaled", "[registers]") {
  const Register& import = *device_map(DeviceKind::kPoi).find("import_mw");
  std::uint16_t w[2] = {0, 0};
  // -1.5 MW is -1500 kW: 0xFFFFFA24, high word first.
  REQUIRE(encode(import, -1.5, w));
  CHECK(w[0] == 0xFFFF);
  CHECK(w[1] == 0xFA24);
  CHECK(decode(import, w) == Approx(-1.5));
  // 150 MW is 150,000 kW = 0x000249F0.
  REQUIRE(encode(import, 150.0, w));
  CHECK(w[0] == 0x0002);
  CHECK(w[1] == 0x49F0);
  const Register& f = *device_map(DeviceKind::kPoi).find("bus_frequency_hz");
  REQUIRE(encode(f, 59.875, w));  // 59,875 mHz = 0x0000E9E3
  CHECK(w[0] == 0x0000);
  CHECK(w[1] == 0xE9E3);
  const Register& soc = *device_map(DeviceKind::kBattery).find("soc_pu");
  REQUIRE(encode(soc, 0.4321, w));
  CHECK(w[0] == 4321);
}

TEST_CASE("a value that does not fit is refused, never clamped", "[registers]") {
  const Register& soc = *device_map(DeviceKind::kBattery).find("soc_pu");
  std::uint16_t w[2] = {7, 7};
  CHECK_FALSE(encode(soc, 6.6, w));   // 66,000 > 65,535
  CHECK_FALSE(encode(soc, -0.1, w));  // unsigned
  CHECK_FALSE(encode(soc, std::nan(""), w));
  CHECK(w[0] == 7);
  const Register& power = *device_map(DeviceKind::kTurbine).find("power_mw");
  CHECK_FALSE(encode(power, 3e6, w));  // beyond int32 kW
  CHECK(w[0] == 7);
  CHECK(w[1] == 7);
}

TEST_CASE("docs/register-maps.md is generated from the tables", "[registers][docs]") {
  std::ifstream in(std::string(PLANT_SOURCE_DIR) + "/docs/register-maps.md");
  std::stringstream text;
  text << in.rdbuf();
  INFO("regenerate with: build/ci/tools/regdoc/regdoc > docs/register-maps.md");
  CHECK(text.str() == render_register_maps_markdown());
}

TEST_CASE("the pod status bit the controller reads is the map's on_ups bit", "[registers]") {
  const Register* status = device_map(DeviceKind::kPodGateway).find("status");
  REQUIRE(status != nullptr);
  int on_ups = -1;
  for (const Bit& b : status->bits)
    if (std::string(b.name) == "on_ups") on_ups = b.bit;
  CHECK(on_ups == hal::kPodStatusOnUpsBit);
}
