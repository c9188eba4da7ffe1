// Faults on the wire: a malformed frame closes only its own connection; a device
// server that goes away and comes back is found again by plantd, which logs the
// fault once, keeps scanning, and recovers by itself; when plantd itself dies, the
// pod gateways fall to the safe cap it set on them.
#include <modbus/modbus.h>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

#include "hal/device_addresses.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "site/load.hpp"

namespace {

const std::string kSite = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";

}  // namespace

TEST_CASE("a malformed frame closes its own connection and no other", "[integration][wire]") {
  const int port = proc::free_port();
  proc::Process sim({PLANTSIM_PATH, "--serve", "--config", kSite, "--host", "127.0.0.1", "--port",
                     std::to_string(port), "--duration-s", "30"},
                    "/tmp/plant-wire-sim-" + std::to_string(port) + ".log");
  REQUIRE(proc::wait_for_port(port, 10));
  modbus_t* good = modbus_new_tcp("127.0.0.1", port);
  REQUIRE(modbus_connect(good) == 0);
  modbus_set_slave(good, 1);
  std::uint16_t w[2];
  REQUIRE(modbus_read_input_registers(good, 0, 2, w) == 2);

  // A frame with protocol id 7 (Modbus TCP is 0): the server must drop this connection.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::uint8_t bad[] = {0, 1, 0, 7, 0, 6, 1, 4, 0, 0, 0, 2};
  REQUIRE(send(fd, bad, sizeof bad, 0) == static_cast<ssize_t>(sizeof bad));
  std::uint8_t reply[16];
  const ssize_t got = recv(fd, reply, sizeof reply, 0);
  CHECK(got <= 0);  // closed (or reset), no answer
  close(fd);

  // The other client carries on.
  CHECK(modbus_read_input_registers(good, 0, 2, w) == 2);
  modbus_close(good);
  modbus_free(good);
  CHECK(sim.stop(SIGTERM, 10) == 0);
  CHECK(sim.log().find("1 bad frames") != std::string::npos);
}

TEST_CASE("plantd rides through its device server going away and coming back",
          "[integration][wire]") {
  const int port = proc::free_port();
  const std::string log_base = "/tmp/plant-wire-restart-" + std::to_string(port);
  auto start_sim = [&](const char* tag) {
    return std::make_unique<proc::Process>(
        std::vector<std::string>{PLANTSIM_PATH, "--serve", "--config", kSite, "--host", "127.0.0.1",
                                 "--port", std::to_string(port), "--duration-s", "60"},
        log_base + "-sim-" + tag + ".log");
  };
  auto sim = start_sim("a");
  REQUIRE(proc::wait_for_port(port, 10));
  proc::Process plantd({PLANTD_PATH, "--config", kSite, "--host", "127.0.0.1", "--port",
                        std::to_string(port), "--duration-s", "22"},
                       log_base + "-plantd.log");
  std::this_thread::sleep_for(std::chrono::seconds(4));
  sim->stop(SIGKILL, 5);  // the device server dies
  std::this_thread::sleep_for(std::chrono::seconds(3));
  sim = start_sim("b");  // and comes back
  REQUIRE(proc::wait_for_port(port, 10));
  CHECK(plantd.stop(0, 30) == 0);  // plantd ends by itself at 22 s
  const std::string log = plantd.log();
  INFO(log.substr(0, 6000));
  // The fault is logged once when it starts and once when it ends, not per scan.
  CHECK(proc::occurrences(log, "connection lost") + proc::occurrences(log, "cannot connect") <= 2);
  CHECK(proc::occurrences(log, "connected again") == 1);
  CHECK(log.find("-> FailSafe") != std::string::npos);  // measurements lost meanwhile
  CHECK(log.find("stopped after") != std::string::npos);
  CHECK(log.find("mode FailSafe") == std::string::npos);  // and recovered by the end
  CHECK(proc::occurrences(log, "scan overrun") <= 2);     // at most the reconnecting scans
}

TEST_CASE("a slow device is marked and backed off, logged once, and polled again when it answers",
          "[integration][wire]") {
  const int port = proc::free_port();
  const std::string base = "/tmp/plant-wire-slow-" + std::to_string(port);
  proc::Process sim(
      {PLANTSIM_PATH, "--serve", "--wait-for-client", "--scenario",
       std::string(PLANT_SOURCE_DIR) + "/tests/integration/scenarios/slow-pod-20s.toml", "--host",
       "127.0.0.1", "--port", std::to_string(port)},
      base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  proc::Process plantd({PLANTD_PATH, "--config", kSite, "--host", "127.0.0.1", "--port",
                        std::to_string(port), "--duration-s", "20"},
                       base + "-plantd.log");
  CHECK(sim.stop(0, 40) == 0);  // the run's invariants hold
  CHECK(plantd.stop(SIGTERM, 10) >= 0);
  const std::string log = plantd.log();
  INFO(log.substr(0, 6000));
  CHECK(proc::occurrences(log, "pod.5: no answer") == 1);
  CHECK(proc::occurrences(log, "pod.5: answering again") == 1);
  // The slow device stalls its own connection for at most its retries, then is skipped.
  CHECK(proc::occurrences(log, "scan overrun") <= 3);
}

TEST_CASE("plantd sets every pod gateway's safe cap, and when plantd dies the gateways take it",
          "[integration][wire]") {
  // The 100k site with a safe cap of 0.6 of compute (1.05 MW pods: 0.63 MW).
  std::string text = proc::read_file(kSite);
  const std::size_t at = text.find("[modbus]\n");
  REQUIRE(at != std::string::npos);
  text.insert(at + 9, "pod_safe_cap_pu = 0.6\n");
  const int port = proc::free_port();
  const std::string base = "/tmp/plant-wire-safecap-" + std::to_string(port);
  std::ofstream(base + ".toml") << text;
  site::LoadResult loaded = site::load_site_file(base + ".toml");
  REQUIRE(loaded.site);
  proc::Process sim({PLANTSIM_PATH, "--serve", "--config", base + ".toml", "--host", "127.0.0.1",
                     "--port", std::to_string(port), "--duration-s", "60"},
                    base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  proc::Process plantd({PLANTD_PATH, "--config", base + ".toml", "--host", "127.0.0.1", "--port",
                        std::to_string(port)},
                       base + "-plantd.log");
  std::this_thread::sleep_for(std::chrono::seconds(3));

  using hal::regs::DeviceKind;
  const hal::regs::DeviceMap& map = hal::regs::device_map(DeviceKind::kPodGateway);
  hal::regs::DeviceAddress gateway;
  for (const auto& a : hal::regs::device_addresses(*loaded.site))
    if (a.name == "pod.0" || a.name == "pod.99") gateway = a;  // the last pod, port 1502 + 0
  gateway.port = port;
  modbus_t* ctx = hal::new_context(gateway, 1.0);
  REQUIRE(modbus_connect(ctx) == 0);
  auto read = [&](const char* device, const char* name) {
    for (const auto& a : hal::regs::device_addresses(*loaded.site))
      if (a.name == device) modbus_set_slave(ctx, a.unit_id);
    double v = -1;
    REQUIRE(hal::read_register(ctx, *map.find(name), v));
    return v;
  };
  for (const char* pod : {"pod.0", "pod.99"}) {
    INFO(pod);
    CHECK(read(pod, "safe_cap_mw") == Approx(0.63));
    CHECK(read(pod, "heartbeat_timeout_s") == 5);
    CHECK((static_cast<int>(read(pod, "status")) & 4) == 0);  // bit 2: safe cap in effect
  }
  plantd.stop(SIGKILL, 5);  // no goodbye: the heartbeat just stops
  // 5 s of timeout, the gateway's 1 s watch, and the 0.5 s actuation lag.
  std::this_thread::sleep_for(std::chrono::milliseconds(7500));
  for (const char* pod : {"pod.0", "pod.99"}) {
    INFO(pod);
    CHECK((static_cast<int>(read(pod, "status")) & 4) == 4);
    CHECK(read(pod, "cap_in_effect_mw") == Approx(0.63));
  }
  modbus_close(ctx);
  modbus_free(ctx);
  INFO(plantd.log().substr(0, 4000));
  CHECK(plantd.log().find("refused") == std::string::npos);
}
