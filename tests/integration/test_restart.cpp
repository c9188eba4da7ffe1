// kill -9 plantd in the middle of a grid outage over Modbus, and start it again:
// no unit it started stops, no pod's cap jumps up, and no counter is lost.
#include <modbus/modbus.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "hal/device_addresses.hpp"
#include "plant_readback.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "site/load.hpp"
#include "state_file.hpp"

namespace {

const std::string kSource = PLANT_SOURCE_DIR;
const std::string kSite = kSource + "/config/colossus-100k.toml";

using test::PlantReadback;
using test::read_plant;
using test::running;

}  // namespace

TEST_CASE(
    "kill -9 plantd mid-scenario and restart it: no unit stops, no cap jumps, no counter "
    "lost",
    "[integration][restart]") {
  site::LoadResult loaded = site::load_site_file(kSite);
  REQUIRE(loaded.site);
  const site::Site& site = *loaded.site;
  const int port = proc::free_port();
  const std::string base = "/tmp/plant-restart-" + std::to_string(port);
  const std::string state = base + "-state.toml";
  for (const char* suffix : {"", ".tmp", ".bak"})
    std::remove((state + suffix).c_str());
  int status = -1;
  proc::run_command(
      std::string(PLANTD_PATH) + " --init-state --config " + kSite + " --state-file " + state,
      &status);
  REQUIRE(status == 0);

  proc::Process sim({PLANTSIM_PATH, "--serve", "--wait-for-client", "--scenario",
                     kSource + "/tests/integration/scenarios/grid-outage-40s.toml", "--host",
                     "127.0.0.1", "--port", std::to_string(port)},
                    base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  const std::vector<std::string> plantd_args = {PLANTD_PATH,
                                                "--config",
                                                kSite,
                                                "--host",
                                                "127.0.0.1",
                                                "--port",
                                                std::to_string(port),
                                                "--state-file",
                                                state,
                                                "--save-interval-s",
                                                "1",
                                                "--event-log",
                                                base + "-journal.jsonl"};
  auto first = std::make_unique<proc::Process>(plantd_args, base + "-plantd-1.log");
  // The grid goes at 10 s; plantd starts units on the battery's time.
  std::this_thread::sleep_for(std::chrono::seconds(14));
  REQUIRE(first->stop(SIGKILL, 5) != -1);
  const std::string first_log = first->log();

  hal::regs::DeviceAddress gateway;
  gateway.port = port;
  gateway.host = "127.0.0.1";
  modbus_t* ctx = hal::new_context(gateway, 1.0);
  REQUIRE(modbus_connect(ctx) == 0);
  const PlantReadback at_kill = read_plant(ctx, site);
  const runtime::StateLoad on_disk = runtime::StateFile(state, site).load();
  REQUIRE(on_disk.restored);
  const int starts_at_kill =
      std::accumulate(on_disk.state.usage.starts.begin(), on_disk.state.usage.starts.end(), 0);
  INFO(first_log.substr(first_log.size() > 4000 ? first_log.size() - 4000 : 0));
  REQUIRE(starts_at_kill > 0);  // units were started before the kill, and counted on disk
  CHECK_FALSE(on_disk.state.clean_stop);

  auto second = std::make_unique<proc::Process>(plantd_args, base + "-plantd-2.log");
  // Watch the restart: caps read every 0.5 s for 4 s.
  PlantReadback after;
  const double worst_rise_pu = test::watch_takeover(ctx, site, at_kill, after);
  int running_at_kill = 0;
  for (double st : at_kill.unit_status)
    running_at_kill += running(st) ? 1 : 0;
  std::printf(
      "restart: %d units running or starting at the kill, %d starts on disk; largest cap "
      "rise over the restart %.4f of compute\n",
      running_at_kill, starts_at_kill, worst_rise_pu);
  REQUIRE(second->stop(SIGTERM, 10) == 0);
  modbus_close(ctx);
  modbus_free(ctx);
  const std::string log = second->log();
  INFO(log.substr(0, 3000));
  // Restored from the file, with the NOx allowance of an unclean stop.
  CHECK(log.find("counters restored from " + state) != std::string::npos);
  CHECK(log.find("for the interval not saved before an unclean stop") != std::string::npos);
  // No step up in any cap: restoration goes by restore_step_pu (2 % of compute) at most.
  CHECK(worst_rise_pu <= site.controller.restore_step_pu + 1e-6);
  // The counters after the second run's clean stop: none went back.
  const runtime::StateLoad final_state = runtime::StateFile(state, site).load();
  REQUIRE(final_state.restored);
  CHECK(final_state.state.clean_stop);
  for (std::size_t u = 0; u < on_disk.state.usage.starts.size(); ++u) {
    CHECK(final_state.state.usage.starts[u] >= on_disk.state.usage.starts[u]);
    CHECK(final_state.state.usage.run_hours[u] >= on_disk.state.usage.run_hours[u]);
  }
  // NOx never goes back (units still purging burn no fuel, so it may stay put).
  CHECK(final_state.state.usage.nox_kg >= on_disk.state.usage.nox_kg);
  CHECK(final_state.state.sequence > on_disk.state.sequence);
}
