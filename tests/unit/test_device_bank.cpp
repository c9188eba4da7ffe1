// The simulated devices' register banks: documented values, refusals with the
// right exception and no change, and device-side behaviour (safe cap, silence).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

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
sim::Reply write_reg(sim::DeviceBank& bank, int device, const char* name, double value,
                     sim::ClientId client = 0) {
  const hal::regs::Register& r = *hal::regs::device_map(bank.device(device).kind).find(name);
  std::uint16_t w[2];
  REQUIRE(hal::regs::encode(r, value, w));
  return bank.write(device, r.address, static_cast<std::uint16_t>(hal::regs::words(r.type)), w,
                    client);
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

// The owner rule of docs/register-maps.md (owner_epoch): the fencing of a
// hot-standby pair, checked on a turbine with three clients.
TEST_CASE("a device with an owner takes writes from its owner only, and a higher epoch wins",
          "[devices][fencing]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int unit = bank.find(DeviceKind::kTurbine, 0);
  const sim::ClientId a = 1, b = 2, tool = 3;
  auto refused_with_1 = [](const sim::Reply& r) {
    return r.answer == sim::Answer::kException && r.exception == 1;
  };
  // No owner: anyone may write.
  CHECK(read_reg(bank, unit, "owner_epoch") == 0);
  CHECK(write_reg(bank, unit, "command", 1, tool).answer == sim::Answer::kOk);
  // Node a claims with epoch 1; from then on only a writes.
  CHECK(write_reg(bank, unit, "owner_epoch", 1, a).answer == sim::Answer::kOk);
  CHECK(read_reg(bank, unit, "owner_epoch") == 1);
  const std::uint64_t fenced_before = bank.fenced_writes();
  CHECK(refused_with_1(write_reg(bank, unit, "controller_heartbeat", 7, b)));
  CHECK(read_reg(bank, unit, "controller_heartbeat") == 0);  // nothing changed
  CHECK(write_reg(bank, unit, "controller_heartbeat", 8, a).answer == sim::Answer::kOk);
  // Node b takes over with epoch 2: a is fenced, even re-claiming its old epoch.
  CHECK(write_reg(bank, unit, "owner_epoch", 2, b).answer == sim::Answer::kOk);
  CHECK(refused_with_1(write_reg(bank, unit, "controller_heartbeat", 9, a)));
  CHECK(refused_with_1(write_reg(bank, unit, "owner_epoch", 1, a)));
  CHECK(read_reg(bank, unit, "controller_heartbeat") == 8);
  CHECK(read_reg(bank, unit, "owner_epoch") == 2);
  // A reconnected b (a new connection) re-binds with the same epoch.
  const sim::ClientId b2 = 4;
  CHECK(write_reg(bank, unit, "owner_epoch", 2, b2).answer == sim::Answer::kOk);
  CHECK(refused_with_1(write_reg(bank, unit, "controller_heartbeat", 10, b)));
  CHECK(write_reg(bank, unit, "controller_heartbeat", 11, b2).answer == sim::Answer::kOk);
  // Only the owner releases; then anyone writes again.
  CHECK(refused_with_1(write_reg(bank, unit, "owner_epoch", 0, tool)));
  CHECK(write_reg(bank, unit, "owner_epoch", 0, b2).answer == sim::Answer::kOk);
  CHECK(write_reg(bank, unit, "controller_heartbeat", 12, tool).answer == sim::Answer::kOk);
  CHECK(bank.fenced_writes() - fenced_before == 5);
  // Every change of owner is in the audit, in order.
  const std::vector<sim::OwnerChange>& changes = bank.owner_changes();
  REQUIRE(changes.size() == 4);
  CHECK((changes[0].to_epoch == 1 && changes[0].to_client == a));
  CHECK((changes[1].from_epoch == 1 && changes[1].to_epoch == 2 && changes[1].to_client == b));
  CHECK((changes[2].to_epoch == 2 && changes[2].from_client == b && changes[2].to_client == b2));
  CHECK((changes[3].to_epoch == 0 && changes[3].to_client == 0));
}

// Epochs wrap round (RFC 1982 serial numbers, docs/register-maps.md): a device
// held at 65535 can still be claimed, by 1 (then 2), and a claim behind the one
// held is still refused, across the wrap too.
TEST_CASE("owner epochs wrap: a device at 65535 is claimed by 1, a claim behind it is refused",
          "[devices][fencing]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int unit = bank.find(DeviceKind::kTurbine, 0);
  const sim::ClientId a = 1, b = 2;
  auto refused_with_1 = [](const sim::Reply& r) {
    return r.answer == sim::Answer::kException && r.exception == 1;
  };
  CHECK(write_reg(bank, unit, "owner_epoch", 65535, a).answer == sim::Answer::kOk);
  CHECK(refused_with_1(write_reg(bank, unit, "owner_epoch", 65534, b)));  // behind
  CHECK(refused_with_1(write_reg(bank, unit, "owner_epoch", 65535 - 32767, b)));
  CHECK(write_reg(bank, unit, "owner_epoch", 2, b).answer == sim::Answer::kOk);  // after 65535
  CHECK(read_reg(bank, unit, "owner_epoch") == 2);
  CHECK(refused_with_1(write_reg(bank, unit, "owner_epoch", 65535, a)));  // now behind 2
  CHECK(refused_with_1(write_reg(bank, unit, "controller_heartbeat", 5, a)));
  CHECK(write_reg(bank, unit, "controller_heartbeat", 6, b).answer == sim::Answer::kOk);
  // Exactly half way round is neither after nor before: refused.
  CHECK(refused_with_1(write_reg(bank, unit, "owner_epoch", 2 + 32768, a)));
  CHECK(write_reg(bank, unit, "owner_epoch", 3, a).answer == sim::Answer::kOk);
}

namespace {
// One function-code-16 request over a device's holding registers from address 0,
// each value by register name (every register in the span must be given).
sim::Reply write_block(sim::DeviceBank& bank, int device,
                       const std::vector<std::pair<const char*, double>>& values,
                       sim::ClientId client = 0) {
  const hal::regs::DeviceMap& map = hal::regs::device_map(bank.device(device).kind);
  std::uint16_t words[16] = {};
  int end = 0;
  for (const auto& [name, value] : values) {
    const hal::regs::Register& r = *map.find(name);
    REQUIRE(hal::regs::encode(r, value, words + r.address));
    end = std::max(end, r.address + hal::regs::words(r.type));
  }
  return bank.write(device, 0, static_cast<std::uint16_t>(end), words, client);
}
}  // namespace

// Modbus has no partial write, and the map says a refused write changes nothing
// (docs/register-maps.md, conventions): one bad value refuses the whole request.
TEST_CASE("a multi-register write with one value out of range changes nothing", "[devices][fc16]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int pod = bank.find(DeviceKind::kPodGateway, 0);
  const double compute = read_reg(bank, pod, "compute_mw");
  const double min_cap = read_reg(bank, pod, "min_cap_mw");
  const double cap_before = read_reg(bank, pod, "cap_mw");
  const double cap = (min_cap + compute) / 2;
  REQUIRE(cap != Approx(cap_before));
  for (const char* bad : {"floor_mw", "safe_cap_mw", "cap_mw"}) {
    INFO(bad);
    std::vector<std::pair<const char*, double>> values = {
        {"controller_heartbeat", 5}, {"heartbeat_timeout_s", 30}, {"cap_mw", cap},
        {"floor_mw", 0.1},           {"safe_cap_mw", cap},        {"owner_epoch", 3}};
    for (auto& v : values)
      if (std::strcmp(v.first, bad) == 0) v.second = compute + 1.0;  // above the range
    const sim::Reply r = write_block(bank, pod, values, 1);
    CHECK(r.answer == sim::Answer::kException);
    CHECK(r.exception == 3);
    CHECK(read_reg(bank, pod, "controller_heartbeat") == 0);
    CHECK(read_reg(bank, pod, "heartbeat_timeout_s") == 0);
    CHECK(read_reg(bank, pod, "cap_mw") == Approx(cap_before));
    CHECK(read_reg(bank, pod, "floor_mw") == 0);
    CHECK(read_reg(bank, pod, "safe_cap_mw") == 0);
    CHECK(read_reg(bank, pod, "owner_epoch") == 0);  // the claim went with the request
    CHECK(bank.owner_changes().empty());
  }
  // The same request with every value in range takes them all.
  const sim::Reply ok = write_block(bank, pod,
                                    {{"controller_heartbeat", 5},
                                     {"heartbeat_timeout_s", 30},
                                     {"cap_mw", cap},
                                     {"floor_mw", 0.1},
                                     {"safe_cap_mw", cap},
                                     {"owner_epoch", 3}},
                                    1);
  CHECK(ok.answer == sim::Answer::kOk);
  CHECK(read_reg(bank, pod, "controller_heartbeat") == 5);
  CHECK(read_reg(bank, pod, "cap_mw") == Approx(cap).margin(0.0005));
  CHECK(read_reg(bank, pod, "safe_cap_mw") == Approx(cap).margin(0.0005));
  CHECK(read_reg(bank, pod, "owner_epoch") == 3);
}

TEST_CASE("a command refused in a multi-register write takes the other registers with it",
          "[devices][fc16]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  plant.set_turbine_online(2, 12.0);
  sim::DeviceBank bank(plant);
  const int unit = bank.find(DeviceKind::kTurbine, 2);
  // An unknown command code: exception 3, the heartbeat before it unchanged.
  sim::Reply r = write_block(bank, unit, {{"controller_heartbeat", 7}, {"command", 9}});
  CHECK(r.exception == 3);
  CHECK(read_reg(bank, unit, "controller_heartbeat") == 0);
  // A start of a running unit (not possible now): exception 6, nor the setpoint after it.
  r = write_block(bank, unit, {{"controller_heartbeat", 7}, {"command", 1}, {"setpoint_mw", 14.0}});
  CHECK(r.exception == 6);
  CHECK(read_reg(bank, unit, "controller_heartbeat") == 0);
  CHECK(read_reg(bank, unit, "setpoint_mw") == Approx(12.0));
  // A setpoint out of range with a stop: the unit keeps running.
  r = write_block(bank, unit, {{"controller_heartbeat", 7}, {"command", 2}, {"setpoint_mw", 1.0}});
  CHECK(r.exception == 3);
  CHECK(read_reg(bank, unit, "status") == 3);  // online
  CHECK(plant.turbine(2).counters().stops == 0);
  // A stop with a setpoint in range takes both.
  r = write_block(bank, unit, {{"controller_heartbeat", 7}, {"command", 2}, {"setpoint_mw", 14.0}});
  CHECK(r.answer == sim::Answer::kOk);
  CHECK(plant.turbine(2).counters().stops == 1);
  CHECK(read_reg(bank, unit, "setpoint_mw") == Approx(14.0));
}

TEST_CASE("a fenced multi-register write changes nothing, not even a claim in it",
          "[devices][fc16][fencing]") {
  sim::Plant plant(preset_100k(), sim::PlantOptions{0.01, 1});
  sim::DeviceBank bank(plant);
  const int battery = bank.find(DeviceKind::kBattery, 0);
  const sim::ClientId a = 1, b = 2;
  CHECK(write_reg(bank, battery, "owner_epoch", 1, a).answer == sim::Answer::kOk);
  const double before = read_reg(bank, battery, "setpoint_mw");
  // b claims a higher epoch with a setpoint in the same request: b is not the owner
  // when the request arrives, so the whole request is fenced.
  sim::Reply r = write_block(
      bank, battery, {{"controller_heartbeat", 3}, {"setpoint_mw", 1.0}, {"owner_epoch", 2}}, b);
  CHECK(r.exception == 1);
  CHECK(read_reg(bank, battery, "owner_epoch") == 1);
  CHECK(read_reg(bank, battery, "setpoint_mw") == Approx(before));
  CHECK(read_reg(bank, battery, "controller_heartbeat") == 0);
  // The owner's release with a value out of range keeps it the owner.
  r = write_block(bank, battery,
                  {{"controller_heartbeat", 3}, {"setpoint_mw", 1e6}, {"owner_epoch", 0}}, a);
  CHECK(r.exception == 3);
  CHECK(read_reg(bank, battery, "owner_epoch") == 1);
  CHECK(bank.owner_changes().size() == 1);
}
