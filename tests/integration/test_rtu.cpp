// plantsim's Modbus RTU server on one end of a socat pty pair (a serial line with
// no hardware), read and written by a libmodbus RTU client, and read by mbpoll, on
// the other end.
#include <modbus/modbus.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "hal/device_addresses.hpp"
#include "hal/registers.hpp"
#include "process.hpp"
#include "site/load.hpp"

namespace {

const std::string kSite = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";

// On RTU, a device's slave id is 1 + its place among the site's devices.
int slave_of(const std::string& device) {
  site::LoadResult s = site::load_site_file(kSite);
  const auto addresses = hal::regs::device_addresses(*s.site);
  for (size_t i = 0; i < addresses.size(); ++i)
    if (addresses[i].name == device) return static_cast<int>(i) + 1;
  return -1;
}

const hal::regs::Register& reg(hal::regs::DeviceKind kind, const char* name) {
  return *hal::regs::device_map(kind).find(name);
}

double read(modbus_t* ctx, const hal::regs::Register& r) {
  std::uint16_t w[2] = {0, 0};
  const int n = hal::regs::words(r.type);
  const int got = r.table == hal::regs::Table::kInput
                      ? modbus_read_input_registers(ctx, r.address, n, w)
                      : modbus_read_registers(ctx, r.address, n, w);
  REQUIRE(got == n);
  return hal::regs::decode(r, w);
}

}  // namespace

TEST_CASE("plantsim serves every device over Modbus RTU on a serial line (socat pty pair)",
          "[integration][rtu]") {
  const std::string tag = std::to_string(getpid());
  const proc::SerialLine serial("rtu");
  const std::string& line_a = serial.end_a();
  const std::string& line_b = serial.end_b();
  const int port = proc::free_port();
  proc::Process plantsim({PLANTSIM_PATH, "--serve", "--config", kSite, "--host", "127.0.0.1",
                          "--port", std::to_string(port), "--rtu", line_a, "--duration-s", "120"},
                         "/tmp/plant-test-plantsim-rtu-" + tag + ".log");
  // plantsim opens the serial line before it listens on TCP: the port up means both are.
  REQUIRE(proc::wait_for_port(port, 10));
  // Its log line may reach the file a moment after the port is up (a loaded machine).
  const std::string serving = "over Modbus RTU on " + line_a;
  for (int i = 0; i < 50 && plantsim.log().find(serving) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(plantsim.log().find(serving) != std::string::npos);

  modbus_t* ctx = modbus_new_rtu(line_b.c_str(), 19200, 'N', 8, 1);
  REQUIRE(ctx);
  modbus_set_response_timeout(ctx, 1, 0);
  REQUIRE(modbus_connect(ctx) == 0);
  using hal::regs::DeviceKind;

  SECTION("reads, a write read back, a refused write") {
    modbus_set_slave(ctx, slave_of("poi"));
    CHECK(read(ctx, reg(DeviceKind::kPoi, "bus_frequency_hz")) == Approx(60.0).margin(0.001));
    // A pod's rating: 1,000 GPUs x 1,050 W (the preset) = 1.05 MW.
    modbus_set_slave(ctx, slave_of("pod.0"));
    CHECK(read(ctx, reg(DeviceKind::kPodGateway, "compute_mw")) == Approx(1.05));
    const hal::regs::Register& cap = reg(DeviceKind::kPodGateway, "cap_mw");
    std::uint16_t w[2];
    REQUIRE(hal::regs::encode(cap, 0.8, w));
    CHECK(modbus_write_registers(ctx, cap.address, 2, w) == 2);
    CHECK(read(ctx, cap) == Approx(0.8));
    // Below the minimum cap: exception 3, and the cap stays.
    REQUIRE(hal::regs::encode(cap, 0.2, w));
    CHECK(modbus_write_registers(ctx, cap.address, 2, w) == -1);
    CHECK(errno == EMBXILVAL);
    CHECK(read(ctx, cap) == Approx(0.8));
  }

  SECTION("a function-16 write with one value out of range changes nothing") {
    modbus_set_slave(ctx, slave_of("pod.1"));
    const hal::regs::Register& cap = reg(DeviceKind::kPodGateway, "cap_mw");
    const hal::regs::Register& floor = reg(DeviceKind::kPodGateway, "floor_mw");
    REQUIRE(floor.address == cap.address + 2);
    const double cap_before = read(ctx, cap);
    std::uint16_t w[4];
    REQUIRE(hal::regs::encode(cap, 0.9, w));
    REQUIRE(hal::regs::encode(floor, 2.0, w + 2));  // above the pod's 1.05 MW rating
    CHECK(modbus_write_registers(ctx, cap.address, 4, w) == -1);
    CHECK(errno == EMBXILVAL);
    CHECK(read(ctx, cap) == Approx(cap_before));
    CHECK(read(ctx, floor) == 0);
  }

  SECTION("a slave id with no device gets no answer, and the line serves on") {
    modbus_set_slave(ctx, 247);  // the 100k preset has 117 devices
    modbus_set_response_timeout(ctx, 0, 300000);
    std::uint16_t out[1];
    CHECK(modbus_read_input_registers(ctx, 0, 1, out) == -1);
    CHECK(errno == ETIMEDOUT);
    modbus_set_response_timeout(ctx, 1, 0);
    // The next request, for another slave, is answered (libmodbus's own server
    // would take it for the silent slave's reply and drop it).
    modbus_set_slave(ctx, slave_of("poi"));
    CHECK(read(ctx, reg(DeviceKind::kPoi, "bus_frequency_hz")) == Approx(60.0).margin(0.001));
  }

  SECTION("mbpoll, an RTU master we did not write, reads the documented value") {
    int status = -1;
    // Pod 0's compute_mw: input registers 8-9, int32 high word first, 1,050 kW.
    const std::string out =
        proc::run_command("mbpoll -m rtu -b 19200 -P none -a " + std::to_string(slave_of("pod.0")) +
                              " -0 -r 8 -c 1 -t 3:int -B -1 " + line_b + " 2>&1",
                          &status);
    INFO(out);
    CHECK(status == 0);
    CHECK(out.find("[8]: \t1050") != std::string::npos);
  }

  modbus_close(ctx);
  modbus_free(ctx);
  CHECK(plantsim.stop(SIGTERM, 10) == 0);
  const std::string log = plantsim.log();
  INFO(log);
  CHECK(log.find("RTU requests") != std::string::npos);
}
