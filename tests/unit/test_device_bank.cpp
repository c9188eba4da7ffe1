// The simulated devices' register banks: documented values, refusals with the
// right exception and no change, and device-side behaviour (safe cap, silence).
#include <catch2/catch.hpp>

#include "sim/device_bank.hpp"
#include "site/load.hpp"
#include "test_sites.hpp"

using hal::regs::DeviceKind;
using hal::regs::Table;

namespace {

site::Site preset_100k() {
  site::LoadResult r = site::load_site_file(test::preset_path("colossus-100k.toml"));
  REQUIRE(r.site);
  return *r.site;
}

// Writes one register by name; returns the reply.
sim::Reply write_reg(sim::DeviceBank& bank, int device, const char* name, double value) {
  const hal::regs::Register& r = *hal::regs::device_map(bank.device(device).kind).find(name);
  std::uint16_t w[2];
  REQUIRE(hal::regs::encode(r, value, w));
  return bank.write(device, r.address, static_cast<std::uint16_t>(hal::regs::words(r.type)), w);
}

double read_reg(sim::DeviceBank& bank, int device, const char* name) {
  const hal::regs::Register& r = *hal::regs::device_map(bank.device(device).kind).find(name);
  std::uint16_t w[2] = {0, 0};
  const sim::Reply reply = bank.read(device, r.table, r.address,
                                     static_cast<std::uint16_t>(hal::regs::words(r.type)), w);
  REQUIRE(reply.answer == sim::Answer::kOk);
  return hal::regs::decode(r, w);
}

}  // namespace

TEST_CASE("the POI meter's registers carry the plant's import and frequency", "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  plant.run_for(10);
  const int poi = bank.find(DeviceKind::kPoi, 0);
  REQUIRE(poi == 0);
  CHECK(read_reg(bank, poi, "import_mw") == Approx(plant.state().import_mw).margin(0.0005));
  CHECK(read_reg(bank, poi, "bus_frequency_hz") == Approx(60.0).margin(0.0005));
  CHECK(read_reg(bank, poi, "status") == 3);  // breaker closed, grid available
  CHECK(read_reg(bank, poi, "device_heartbeat") == 10);
}

TEST_CASE("reads outside the map are refused with exception 2", "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  std::uint16_t out[64];
  const sim::Reply r = bank.read(0, Table::kInput, 0, 60, out);
  CHECK(r.answer == sim::Answer::kException);
  CHECK(r.exception == 2);
}

TEST_CASE("a turbine setpoint out of range is refused with exception 3 and changes nothing",
          "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  plant.set_turbine_online(3, 12.0);
  sim::DeviceBank bank(plant);
  const int unit = bank.find(DeviceKind::kTurbine, 3);
  sim::Reply r = write_reg(bank, unit, "setpoint_mw", 5.0);  // below 8.25 MW minimum stable load
  CHECK(r.answer == sim::Answer::kException);
  CHECK(r.exception == 3);
  CHECK(read_reg(bank, unit, "setpoint_mw") == Approx(12.0));
  CHECK(write_reg(bank, unit, "setpoint_mw", 14.5).answer == sim::Answer::kOk);
  CHECK(read_reg(bank, unit, "setpoint_readback_mw") == Approx(14.5));
  // A start of a running unit is not possible now: exception 6.
  r = write_reg(bank, unit, "command", 1);
  CHECK(r.exception == 6);
  r = write_reg(bank, unit, "command", 9);
  CHECK(r.exception == 3);
  CHECK(read_reg(bank, unit, "status") == 3);  // online
}

TEST_CASE("writes must cover whole writable registers", "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int pod = bank.find(DeviceKind::kPodGateway, 0);
  const std::uint16_t one = 1;
  CHECK(bank.write(pod, 3, 1, &one).exception == 2);   // the low half of cap_mw alone
  CHECK(bank.write(pod, 40, 1, &one).exception == 2);  // nothing there
}

TEST_CASE("a pod gateway whose controller heartbeat stops takes its safe cap", "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int pod = bank.find(DeviceKind::kPodGateway, 7);
  REQUIRE(write_reg(bank, pod, "safe_cap_mw", 0.6).answer == sim::Answer::kOk);
  REQUIRE(write_reg(bank, pod, "heartbeat_timeout_s", 5).answer == sim::Answer::kOk);
  for (int i = 0; i < 400; ++i) {  // 4 s with heartbeats every 0.5 s
    plant.step();
    bank.tick();
    if (i % 50 == 0) write_reg(bank, pod, "controller_heartbeat", i);
  }
  CHECK(plant.pods().cap_command_mw(7) == Approx(plant.pods().compute_mw(7)));
  for (int i = 0; i < 700; ++i) {  // 7 s of silence from the controller
    plant.step();
    bank.tick();
  }
  CHECK(plant.pods().cap_command_mw(7) == Approx(0.6));
  CHECK((static_cast<int>(read_reg(bank, pod, "status")) & 4) == 4);
  write_reg(bank, pod, "controller_heartbeat", 1);
  CHECK((static_cast<int>(read_reg(bank, pod, "status")) & 4) == 0);
}

TEST_CASE("a gateway whose cap is already below its safe cap keeps it when the heartbeat stops",
          "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int pod = bank.find(DeviceKind::kPodGateway, 7);
  REQUIRE(write_reg(bank, pod, "safe_cap_mw", 0.8).answer == sim::Answer::kOk);
  REQUIRE(write_reg(bank, pod, "cap_mw", 0.5).answer == sim::Answer::kOk);  // a shed in force
  REQUIRE(write_reg(bank, pod, "heartbeat_timeout_s", 5).answer == sim::Answer::kOk);
  for (int i = 0; i < 700; ++i) {  // 7 s of silence from the controller
    plant.step();
    bank.tick();
  }
  CHECK((static_cast<int>(read_reg(bank, pod, "status")) & 4) == 4);
  CHECK(plant.pods().cap_command_mw(7) == Approx(0.5));  // not raised to 0.8
}

TEST_CASE("a silent device does not answer, and a frozen meter shows on the wire", "[devices]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  plant.run_for(1);
  plant.freeze_point(plant.measurements().find_point("poi.import_mw"), 0);
  const double frozen = read_reg(bank, 0, "import_mw");
  plant.load_surge(20, 0);
  plant.run_for(5);
  CHECK(read_reg(bank, 0, "import_mw") == frozen);
  const int pod = bank.find(DeviceKind::kPodGateway, 2);
  plant.device_silent(plant.measurements().pod_device(2), 0);
  std::uint16_t out[2];
  CHECK(bank.read(pod, Table::kInput, 2, 2, out).answer == sim::Answer::kSilent);
}
