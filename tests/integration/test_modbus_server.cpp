// plantsim's Modbus TCP server, started as a real process on 127.0.0.1, read and
// written by libmodbus and by mbpoll (an implementation we did not write).
#include <modbus/modbus.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <memory>
#include <string>

#include "hal/device_addresses.hpp"
#include "hal/registers.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "site/load.hpp"

namespace {

const std::string kSite = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";

struct Plantsim {
  Plantsim()
      : port(proc::free_port()),
        process({PLANTSIM_PATH, "--serve", "--config", kSite, "--host", "127.0.0.1", "--port",
                 std::to_string(port), "--duration-s", "120"},
                "/tmp/plant-test-plantsim-" + std::to_string(port) + ".log") {
    REQUIRE(proc::wait_for_port(port, 10));
  }
  int port;
  proc::Process process;
};

struct Client {
  explicit Client(int port, int unit) : ctx(modbus_new_tcp("127.0.0.1", port)) {
    REQUIRE(ctx);
    modbus_set_response_timeout(ctx, 1, 0);
    REQUIRE(modbus_connect(ctx) == 0);
    modbus_set_slave(ctx, unit);
  }
  ~Client() {
    modbus_close(ctx);
    modbus_free(ctx);
  }
  modbus_t* ctx;
};

const hal::regs::Register& reg(hal::regs::DeviceKind kind, const char* name) {
  return *hal::regs::device_map(kind).find(name);
}

double read(Client& c, const hal::regs::Register& r) {
  double v = 0;
  REQUIRE(hal::read_register(c.ctx, r, v));
  return v;
}

int unit_of(const std::string& device) {
  site::LoadResult s = site::load_site_file(kSite);
  for (const auto& a : hal::regs::device_addresses(*s.site))
    if (a.name == device) return a.unit_id;
  return -1;
}

}  // namespace

TEST_CASE("plantsim serves the documented registers over Modbus TCP", "[integration][modbus]") {
  Plantsim sim;
  Client poi(sim.port, unit_of("poi"));
  using hal::regs::DeviceKind;
  const double hz = read(poi, reg(DeviceKind::kPoi, "bus_frequency_hz"));
  CHECK(hz == Approx(60.0).margin(0.001));
  const double import = read(poi, reg(DeviceKind::kPoi, "import_mw"));
  CHECK(import > 50);  // the 100k site draws 80-150 MW from the grid with no unit running
  CHECK(import < 150);
  // A pod's rating: 1,000 GPUs x 1,050 W (the preset) = 1.05 MW.
  Client pod(sim.port, unit_of("pod.0"));
  CHECK(read(pod, reg(DeviceKind::kPodGateway, "compute_mw")) == Approx(1.05));
  CHECK(read(pod, reg(DeviceKind::kPodGateway, "min_cap_mw")) == Approx(0.45));
}

TEST_CASE("writes over the wire: accepted, read back, and refused with the documented exceptions",
          "[integration][modbus]") {
  Plantsim sim;
  using hal::regs::DeviceKind;
  Client pod(sim.port, unit_of("pod.5"));
  const hal::regs::Register& cap = reg(DeviceKind::kPodGateway, "cap_mw");
  std::uint16_t w[2];
  REQUIRE(hal::regs::encode(cap, 0.8, w));
  CHECK(modbus_write_registers(pod.ctx, cap.address, 2, w) == 2);
  CHECK(read(pod, cap) == Approx(0.8));
  // Below the minimum cap: exception 3, and the cap stays.
  REQUIRE(hal::regs::encode(cap, 0.2, w));
  CHECK(modbus_write_registers(pod.ctx, cap.address, 2, w) == -1);
  CHECK(errno == EMBXILVAL);
  CHECK(read(pod, cap) == Approx(0.8));
  // An address outside the map: exception 2.
  std::uint16_t one = 1;
  CHECK(modbus_write_registers(pod.ctx, 40, 1, &one) == -1);
  CHECK(errno == EMBXILADD);
  // A function the devices do not implement: exception 1.
  std::uint8_t bits[8];
  CHECK(modbus_read_bits(pod.ctx, 0, 8, bits) == -1);
  CHECK(errno == EMBXILFUN);
  // A unit id with no device behind the gateway: exception 0x0B.
  Client nobody(sim.port, 246);
  std::uint16_t out[1];
  CHECK(modbus_read_input_registers(nobody.ctx, 0, 1, out) == -1);
  CHECK(errno == EMBXGTAR);
  CHECK(sim.process.stop(SIGTERM, 10) == 0);
  CHECK(sim.process.log().find("served") != std::string::npos);
}

// Function code 16 is all or nothing (docs/register-maps.md, conventions): a cap in
// range and a floor above compute_mw in one request change neither.
TEST_CASE("a function-16 write with one value out of range changes nothing over TCP",
          "[integration][modbus][fc16]") {
  Plantsim sim;
  using hal::regs::DeviceKind;
  Client pod(sim.port, unit_of("pod.7"));
  const hal::regs::Register& cap = reg(DeviceKind::kPodGateway, "cap_mw");
  const hal::regs::Register& floor = reg(DeviceKind::kPodGateway, "floor_mw");
  REQUIRE(floor.address == cap.address + 2);  // one request spans both
  const double cap_before = read(pod, cap);
  std::uint16_t w[4];
  REQUIRE(hal::regs::encode(cap, 0.9, w));
  REQUIRE(hal::regs::encode(floor, 2.0, w + 2));  // above the pod's 1.05 MW rating
  CHECK(modbus_write_registers(pod.ctx, cap.address, 4, w) == -1);
  CHECK(errno == EMBXILVAL);
  CHECK(read(pod, cap) == Approx(cap_before));
  CHECK(read(pod, cap) != Approx(0.9));
  CHECK(read(pod, floor) == 0);
  // A heartbeat with an unknown command code: the heartbeat is not written either.
  Client unit(sim.port, unit_of("turbine.0"));
  const hal::regs::Register& heartbeat = reg(DeviceKind::kTurbine, "controller_heartbeat");
  const std::uint16_t hb_and_command[2] = {4321, 9};
  CHECK(modbus_write_registers(unit.ctx, heartbeat.address, 2, hb_and_command) == -1);
  CHECK(errno == EMBXILVAL);
  CHECK(read(unit, heartbeat) == 0);
}

TEST_CASE("mbpoll reads documented registers from plantsim and gets the documented values",
          "[integration][modbus][interop]") {
  Plantsim sim;
  int status = -1;
  // Pod 0's compute_mw: input registers 8-9, int32 high word first, 1,050 kW.
  const std::string out = proc::run_command("mbpoll -m tcp -a " + std::to_string(unit_of("pod.0")) +
                                                " -0 -r 8 -c 1 -t 3:int -B -1 -p " +
                                                std::to_string(sim.port) + " 127.0.0.1 2>&1",
                                            &status);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("[8]: \t1050") != std::string::npos);
  // The POI status word: breaker closed and grid available (bits 0 and 1).
  const std::string poi = proc::run_command("mbpoll -m tcp -a " + std::to_string(unit_of("poi")) +
                                                " -0 -r 1 -c 1 -t 3 -1 -p " +
                                                std::to_string(sim.port) + " 127.0.0.1 2>&1",
                                            &status);
  INFO(poi);
  CHECK(poi.find("[1]: \t3") != std::string::npos);
}
