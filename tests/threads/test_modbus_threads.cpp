// The threaded parts, in one process so ThreadSanitizer sees every thread
// (the `tsan` preset; also run in the ordinary build): plantsim's Modbus TCP
// server on its own thread with the plant stepped on another under the plant
// mutex, as plantsim runs them, and two of the HAL's Modbus backends, each with
// its pool of worker threads (four connections to the gateway port), scanning
// from the main thread as two plantd of a hot-standby pair would: node a claims
// the devices, node b takes them over, node a is fenced. And one backend with a
// read deadline: its connections apart, late devices handed between workers,
// writes queued while reads go on.
#include <asio.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "modbus_io.hpp"
#include "process.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_tcp_server.hpp"
#include "site/load.hpp"

namespace {

site::Site preset_100k() {
  site::LoadResult r =
      site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  REQUIRE(r.site);
  return *r.site;
}

// plantsim's server on its own thread, and the plant stepped on another under the
// plant mutex, as plantsim runs them.
struct ServedPlant {
  explicit ServedPlant(const site::Site& s) : plant(s, sim::PlantOptions{0.01, 1}), bank(plant) {
    for (int attempt = 0; !server && attempt < 10; ++attempt) {
      port = proc::free_port();
      try {
        server =
            std::make_unique<sim::ModbusTcpServer>(io, bank, s, "127.0.0.1", port, &plant_mutex);
      } catch (const std::exception&) {
      }
    }
  }
  void start() {
    server_thread = std::thread([this] { io.run(); });
    plant_thread = std::thread([this] {
      while (!stop) {
        {
          const std::lock_guard<std::mutex> lock(plant_mutex);
          plant.step();
          bank.tick();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  void finish() {
    stop = true;
    plant_thread.join();
    io.stop();
    server_thread.join();
  }

  sim::Plant plant;
  sim::DeviceBank bank;
  std::mutex plant_mutex;
  asio::io_context io;
  std::unique_ptr<sim::ModbusTcpServer> server;
  int port = 0;
  std::atomic<bool> stop{false};
  std::thread server_thread, plant_thread;
};

}  // namespace

TEST_CASE("two backends' worker pools against plantsim's server and a stepping plant",
          "[threads]") {
  const site::Site s = preset_100k();
  ServedPlant served(s);
  REQUIRE(served.server);
  served.start();
  sim::DeviceBank& bank = served.bank;
  const int port = served.port;

  hal::ModbusIoOptions options;
  options.base_port = port;
  options.response_timeout_s = 2.0;  // sanitizers slow everything down
  options.connections_per_endpoint = 4;
  hal::ModbusIo a(s, options), b(s, options);
  REQUIRE(a.connection_count() == 4);
  hal::ProcessImage image(s);
  hal::Commands commands(s);
  const double pod_mw =
      s.pod_groups.front().compute_w_per_gpu * s.pod_groups.front().gpus_per_pod * 1e-6;
  a.set_owner_epoch(1);
  int good_polls = 0;
  // The scans are stamped with the real clock, as plantd's are: the devices'
  // heartbeats move with the plant thread's real progress, so a virtual scan
  // clock running ahead of it would grade them stale on a busy machine.
  const auto began = std::chrono::steady_clock::now();
  for (int scan = 0; scan < 60; ++scan) {
    const double now =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (scan == 30) b.set_owner_epoch(2);  // node b takes over
    for (hal::ModbusIo* node : {&a, &b}) {
      node->read(image, now);
      for (hal::PodOutputs& p : commands.pods)
        p.cap_mw = scan % 2 ? 0.9 * pod_mw : pod_mw;
      if (node == &a || scan >= 30) node->write(commands, now);
    }
    good_polls += image.poi.import_mw.good() ? 1 : 0;
  }
  CHECK_FALSE(b.fenced());
  CHECK(a.fenced());  // a read-back showed epoch 2, or a write was refused with exception 1
  CHECK(a.counters().timeouts == 0);
  CHECK(b.counters().timeouts == 0);
  CHECK(good_polls == 60);
  served.finish();
  // Every device ended owned by node b's epoch.
  for (int d = 0; d < bank.size(); ++d) {
    const hal::regs::Register& r = *hal::regs::device_map(bank.device(d).kind).find("owner_epoch");
    std::uint16_t w = 0;
    REQUIRE(bank.read(d, r.table, r.address, 1, &w).answer == sim::Answer::kOk);
    CHECK(w == 2);
  }
}

TEST_CASE("a backend with a read deadline: a slow and a silent pod polled apart, writes queued",
          "[threads]") {
  const site::Site s = preset_100k();
  ServedPlant served(s);
  REQUIRE(served.server);
  {
    // Pods 3 and 7 share the POI's connection (device n goes to connection n mod 4).
    sim::Plant& plant = served.plant;
    plant.device_slow(plant.measurements().pod_device(3), 0.6, 1e6);
    plant.device_silent(plant.measurements().pod_device(7), 1e6);
  }
  served.start();
  const int port = served.port;

  hal::ModbusIoOptions options;
  options.base_port = port;
  options.response_timeout_s = 1.0;
  options.read_deadline_s = 0.4;  // sanitizers slow everything down; the slow pod is later still
  int stale_or_lost = 0;
  {
    hal::ModbusIo node(s, options);
    node.set_owner_epoch(1);
    hal::ProcessImage image(s);
    hal::Commands commands(s);
    const double pod_mw =
        s.pod_groups.front().compute_w_per_gpu * s.pod_groups.front().gpus_per_pod * 1e-6;
    for (int scan = 0; scan < 30; ++scan) {
      const double now = scan * s.controller.scan_period_s;
      node.read(image, now);
      stale_or_lost += image.pods[3].power_mw.good() ? 0 : 1;
      for (hal::PodOutputs& p : commands.pods)
        p.cap_mw = scan % 2 ? 0.9 * pod_mw : pod_mw;
      node.write(commands, now);
      node.faults();
      node.clear_faults();
      node.refusal_count();
      node.clear_refusals();
    }
    CHECK(node.counters().late >= 2);  // both went apart
    CHECK_FALSE(node.fenced());
    CHECK(node.describe_last_read().find("connections read for") == 0);
  }  // the workers stop mid-pass
  CHECK(stale_or_lost > 0);
  served.finish();
}
